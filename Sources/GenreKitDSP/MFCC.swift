import Foundation

/// Mel-frequency cepstral coefficients, `librosa.feature.mfcc(y, sr, n_mfcc, n_fft, hop_length, n_mels).T`:
/// the orthonormal DCT-II of the dB-scaled mel power (``PowerToDB`` with `top_db = 80`), first `n_mfcc`
/// coefficients, frames × n_mfcc.
public struct MFCC: Sendable {
    public let mel: MelSpectrogram
    public let coefficientCount: Int
    private let dct: DCT

    public init(mel: MelSpectrogram = .musicnn, coefficientCount: Int = 20) {
        self.mel = mel; self.coefficientCount = coefficientCount
        dct = DCT(inputCount: mel.melCount, outputCount: coefficientCount)
    }

    /// MFCCs of `signal`, frames × `coefficientCount`, row-major.
    public func compute(_ signal: [Float]) -> [Float] {
        let power = mel.power(signal)
        return coefficients(melPower: power)
    }

    /// MFCCs from a precomputed mel power spectrogram (frames × mels).
    public func coefficients(melPower: [Float]) -> [Float] {
        let db = PowerToDB.apply(melPower)
        return dct.apply(rows: db, count: melPower.count / mel.melCount)
    }
}
