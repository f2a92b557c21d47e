import GenreKitAudio
import GenreKitDSP

/// The input representation of the musicnn networks, from an audio file: decoding to ``MusicnnInput/sampleRate``,
/// mel power (``MusicnnInput``'s STFT and bands), ``MusicnnCompression``; frames × bands, row-major.
public struct MusicnnFrontEnd: Sendable {
    public var mel: MelSpectrogram
    public var decoder: AudioDecoder

    public init(precision: STFT.Precision = .double) {
        mel = MusicnnInput.melSpectrogram(precision: precision)
        decoder = AudioDecoder(sampleRate: MusicnnInput.sampleRate)
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
        return (lm, lm.count / MusicnnInput.melBands, audio)
    }
}
