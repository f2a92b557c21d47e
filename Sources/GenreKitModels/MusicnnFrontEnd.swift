import GenreKitAudio
import GenreKitDSP

/// The input representation of the musicnn networks: audio at 16 kHz, mel power (n_fft 512, hop 256, 96 bands),
/// ``MusicnnCompression``; frames × 96, row-major.
public struct MusicnnFrontEnd: Sendable {
    public static let sampleRate = 16000
    public static let melBands = 96
    public var mel: MelSpectrogram
    public var decoder: AudioDecoder

    public init(precision: STFT.Precision = .double) {
        mel = MelSpectrogram(sampleRate: 16000, nFFT: 512, hopLength: 256, melCount: 96, precision: precision)
        decoder = AudioDecoder(sampleRate: 16000)
    }

    /// Log-mel spectrogram of 16 kHz samples.
    public func logMel(samples: [Float]) -> [Float] {
        var m = mel.power(samples)
        MusicnnCompression.apply(inPlace: &m)
        return m
    }

    /// Decodes `path` and returns its log-mel spectrogram with the decoded audio's facts.
    public func logMel(path: String) throws(AudioError) -> (logMel: [Float], frames: Int, audio: DecodedAudio) {
        let audio = try decoder.decode(path: path)
        let lm = logMel(samples: audio.samples)
        return (lm, lm.count / MusicnnFrontEnd.melBands, audio)
    }
}
