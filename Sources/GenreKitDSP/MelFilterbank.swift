import Foundation

/// Triangular mel filterbank, `librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk, norm="slaney")`.
///
/// Band `m` rises linearly from mel point `f_m` to `f_{m+1}` and falls to `f_{m+2}` (points equally spaced in mel
/// between `fmin` and `fmax`). With Slaney normalisation each band is scaled by `2 / (f_{m+2} − f_m)` (Hz) so the
/// bands have equal area. Weights are stored float32, rounded in the order librosa rounds them.
public struct MelFilterbank: Sendable {
    public let sampleRate: Int
    public let nFFT: Int
    public let melCount: Int
    /// Row-major `melCount × (nFFT/2 + 1)` weights.
    public let weights: [Float]
    /// For each band, the range of FFT bins with non-zero weight (for sparse use).
    public let support: [Range<Int>]

    /// Builds the filterbank. `fmax` defaults to Nyquist.
    public init(sampleRate: Int, nFFT: Int, melCount: Int = 128, fmin: Double = 0, fmax: Double? = nil,
                scale: MelScale = .slaney, slaneyNorm: Bool = true) {
        self.sampleRate = sampleRate; self.nFFT = nFFT; self.melCount = melCount
        let bins = nFFT / 2 + 1
        let fmax = fmax ?? Double(sampleRate) / 2
        // np.fft.rfftfreq(n_fft, 1/sr): k · (1 / (n_fft · (1/sr)))
        let val = 1.0 / (Double(nFFT) * (1.0 / Double(sampleRate)))
        let fftFreqs = (0..<bins).map { Double($0) * val }
        let melPoints = linspace(scale.mel(fromHz: fmin), scale.mel(fromHz: fmax), melCount + 2).map { scale.hz(fromMel: $0) }
        var w = [Float](repeating: 0, count: melCount * bins)
        var support: [Range<Int>] = []
        for m in 0..<melCount {
            let fdiffLo = melPoints[m + 1] - melPoints[m]
            let fdiffHi = melPoints[m + 2] - melPoints[m + 1]
            let enorm = slaneyNorm ? 2.0 / (melPoints[m + 2] - melPoints[m]) : 1.0
            var lo = bins, hi = 0
            for k in 0..<bins {
                let lower = -(melPoints[m] - fftFreqs[k]) / fdiffLo
                let upper = (melPoints[m + 2] - fftFreqs[k]) / fdiffHi
                let tri = Float(max(0, min(lower, upper)))           // stored into a float32 array first
                let v = slaneyNorm ? Float(Double(tri) * enorm) : tri  // then `weights *= enorm` in float64
                w[m * bins + k] = v
                if v != 0 { lo = min(lo, k); hi = max(hi, k + 1) }
            }
            support.append(lo < hi ? lo..<hi : 0..<0)
        }
        weights = w
        self.support = support
    }
}
