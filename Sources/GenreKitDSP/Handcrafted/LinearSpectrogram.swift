import Foundation

/// A linear-frequency spectrogram for the handcrafted features: `|X_t[k]|²` from ``STFT`` (librosa's centered,
/// zero-padded, periodic-Hann STFT, bit-exact with NumPy's complex64 magnitude) and `|X_t[k]| = √(|X_t[k]|²)`
/// (exact: the float32 square root of a correctly rounded float32 square returns the original value).
/// Matrices are frame-major: `frameCount × binCount`, row `t` at `t · binCount`.
public struct LinearSpectrogram: Sendable {
    public let sampleRate: Int
    public let nFFT: Int
    public let hopLength: Int
    public let frameCount: Int
    public var binCount: Int { nFFT / 2 + 1 }
    /// `|X|²`, frames × bins.
    public let power: [Float]
    /// `|X|`, frames × bins.
    public let magnitude: [Float]
    /// Bin centre frequencies, `np.fft.rfftfreq(n_fft, 1/sr)` (float64).
    public let frequencies: [Double]

    public init(_ signal: [Float], sampleRate: Int = 16000, nFFT: Int = 512, hopLength: Int = 256) {
        let stft = STFT(nFFT: nFFT, hopLength: hopLength, precision: .double)
        self.sampleRate = sampleRate; self.nFFT = nFFT; self.hopLength = hopLength
        let frames = stft.frameCount(sampleCount: signal.count)
        frameCount = frames
        var p = [Float](repeating: 0, count: frames * stft.binCount)
        signal.withUnsafeBufferPointer { sig in
            p.withUnsafeMutableBufferPointer { stft.power(sig, frames: 0..<frames, into: $0.baseAddress!) }
        }
        power = p
        magnitude = p.map { $0.squareRoot() }
        frequencies = LinearSpectrogram.fftFrequencies(sampleRate: sampleRate, nFFT: nFFT)
    }

    /// `np.fft.rfftfreq(n_fft, d=1/sr)`: `k · (1 / (n_fft · (1/sr)))`.
    public static func fftFrequencies(sampleRate: Int, nFFT: Int) -> [Double] {
        let val = 1.0 / (Double(nFFT) * (1.0 / Double(sampleRate)))
        return (0..<(nFFT / 2 + 1)).map { Double($0) * val }
    }
}
