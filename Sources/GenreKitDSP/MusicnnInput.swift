/// The numbers of musicnn's input, owned here and nowhere else: audio at 16 kHz, an STFT of 512 points every 256
/// samples, 96 mel bands, compressed by ``MusicnnCompression``, cut into 3-s windows of 187 frames.
public enum MusicnnInput {
    /// Sample rate of the decoded audio, Hz.
    public static let sampleRate = 16000
    /// STFT length (`n_fft`).
    public static let fftSize = 512
    /// Samples between frames (`hop_length`).
    public static let hopLength = 256
    /// Mel bands of the spectrogram (the networks' input width).
    public static let melBands = 96
    /// Length of the windows the networks were trained on, seconds.
    public static let windowSeconds = 3.0
    /// Frames of one window: `frames(seconds: 3) + 1` = 187.
    public static let windowFrames = frames(seconds: windowSeconds) + 1
    /// The largest log-mel value the front end produces (``MusicnnCompression/upperBound``): inputs are clamped
    /// to `[0, maximum]`.
    public static let maximum = MusicnnCompression.upperBound

    /// The frame at time `seconds`, as `librosa.time_to_frames(t, sr=16000, hop_length=256, n_fft=512)`:
    /// `⌊(⌊t·sr⌋ − n_fft/2) / hop⌋` (floor division, so negative before the first frame's centre).
    public static func frames(seconds: Double) -> Int {
        let shifted = Int(seconds * Double(sampleRate)) - fftSize / 2
        return shifted >= 0 ? shifted / hopLength : -((-shifted + hopLength - 1) / hopLength)
    }

    /// The time `frames` hops span, seconds: `frames · hop / sr`.
    public static func seconds(frames: Int) -> Double {
        Double(frames * hopLength) / Double(sampleRate)
    }

    /// The mel spectrogram of musicnn's front end (`precision` of the STFT: double as librosa, or float).
    public static func melSpectrogram(precision: STFT.Precision = .double) -> MelSpectrogram {
        MelSpectrogram(sampleRate: sampleRate, nFFT: fftSize, hopLength: hopLength, melCount: melBands, precision: precision)
    }
}
