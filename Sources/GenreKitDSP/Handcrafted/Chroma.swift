import Foundation

/// STFT chroma, `librosa.feature.chroma_stft(S=|X|², sr, n_fft, n_chroma=12, tuning=0.0)` (tuning fixed at 0,
/// not estimated), with `librosa.filters.chroma`'s defaults (ctroct 5, octwidth 2, L2-normalised columns,
/// starting at C) and each frame divided by its maximum (`norm=inf`).
public struct ChromaFilterbank: Sendable {
    public let sampleRate: Int
    public let nFFT: Int
    public let chromaCount: Int
    /// Row-major `chromaCount × (nFFT/2 + 1)`, float32 (librosa's dtype).
    public let weights: [Float]

    public init(sampleRate: Int = 16000, nFFT: Int = 512, chromaCount: Int = 12, tuning: Double = 0,
                centerOctave: Double = 5, octaveWidth: Double = 2) {
        self.sampleRate = sampleRate; self.nFFT = nFFT; self.chromaCount = chromaCount
        let nc = Double(chromaCount), sr = Double(sampleRate)
        // frequencies = linspace(0, sr, n_fft, endpoint=False)[1:]; hz_to_octs with A440 = 440·2^(tuning/bpo)
        let a440 = 440.0 * pow(2.0, tuning / nc)
        var frq = [Double](repeating: 0, count: nFFT)
        let step = sr / Double(nFFT)
        for i in 1..<nFFT { frq[i] = nc * log2(Double(i) * step / (a440 / 16)) }
        frq[0] = frq[1] - 1.5 * nc
        var width = [Double](repeating: 1, count: nFFT)
        for i in 0..<(nFFT - 1) { width[i] = max(frq[i + 1] - frq[i], 1.0) }
        let half = (nc / 2).rounded(.toNearestOrEven)
        var w = [Double](repeating: 0, count: chromaCount * nFFT)
        for c in 0..<chromaCount {
            for i in 0..<nFFT {
                let x = frq[i] - Double(c) + half + 10 * nc
                var r = fmod(x, nc); if r != 0 && (r < 0) != (nc < 0) { r += nc }   // np.remainder
                let d = r - half
                let z = 2 * d / width[i]
                w[c * nFFT + i] = exp(-0.5 * z * z)
            }
        }
        // L2-normalise each column (threshold: float64 tiny).
        for i in 0..<nFFT {
            var ss = 0.0
            for c in 0..<chromaCount { ss += w[c * nFFT + i] * w[c * nFFT + i] }
            var len = ss.squareRoot(); if len < Double.leastNormalMagnitude { len = 1 }
            let octave = (frq[i] / nc - centerOctave) / octaveWidth
            let scale = exp(-0.5 * octave * octave)
            for c in 0..<chromaCount { w[c * nFFT + i] = w[c * nFFT + i] / len * scale }
        }
        // Roll so that row 0 is C (np.roll(wts, -3·(n_chroma // 12), axis=0)); keep the rfft bins.
        let shift = 3 * (chromaCount / 12), bins = nFFT / 2 + 1
        var out = [Float](repeating: 0, count: chromaCount * bins)
        for c in 0..<chromaCount {
            let src = (c + shift) % chromaCount
            for k in 0..<bins { out[c * bins + k] = Float(w[src * nFFT + k]) }
        }
        weights = out
    }

    /// Chroma of a power spectrogram: `frames × chromaCount`, each frame divided by its largest value
    /// (frames whose maximum is below float32's smallest normal number are left unnormalised).
    public func chroma(_ s: LinearSpectrogram) -> [Float] {
        precondition(s.nFFT == nFFT && s.sampleRate == sampleRate, "spectrogram does not match the chroma filterbank")
        let bins = s.binCount, nc = chromaCount
        var out = [Float](repeating: 0, count: s.frameCount * nc)
        var raw = [Float](repeating: 0, count: nc)
        for t in 0..<s.frameCount {
            for c in 0..<nc {
                var acc = 0.0
                for k in 0..<bins { acc += Double(weights[c * bins + k]) * Double(s.power[t * bins + k]) }
                raw[c] = Float(acc)
            }
            var len = Double(raw.map { abs($0) }.max()!)
            if len < Double(Float.leastNormalMagnitude) { len = 1 }
            for c in 0..<nc { out[t * nc + c] = Float(Double(raw[c]) / len) }
        }
        return out
    }

    /// `librosa.feature.tonnetz(chroma=chroma)` for a 12-bin chroma (`frames × 12` → `frames × 6`): the
    /// L1-normalised chroma projected on fifths, minor thirds and major thirds (sin, cos each; radii 1, 1, 0.5).
    /// librosa's default computes the chroma with a CQT; GenreKit passes the STFT chroma instead.
    public static func tonnetz(chroma: [Float], chromaCount: Int = 12) -> [Float] {
        let scale: [Double] = [7.0 / 6, 7.0 / 6, 3.0 / 2, 3.0 / 2, 2.0 / 3, 2.0 / 3]
        let radius: [Double] = [1, 1, 1, 1, 0.5, 0.5]
        var phi = [Double](repeating: 0, count: 6 * chromaCount)
        for p in 0..<6 {
            for c in 0..<chromaCount {
                let dim: Double = Double(c) * 12.0 / Double(chromaCount)
                var v: Double = scale[p] * dim
                if p % 2 == 0 { v -= 0.5 }
                phi[p * chromaCount + c] = radius[p] * cos(Double.pi * v)
            }
        }
        let frames = chroma.count / chromaCount
        var out = [Float](repeating: 0, count: frames * 6)
        for t in 0..<frames {
            let n = SpectralFeatures.l1Normalized(chroma[(t * chromaCount)..<((t + 1) * chromaCount)])
            for p in 0..<6 {
                var acc = 0.0
                for c in 0..<chromaCount { acc += phi[p * chromaCount + c] * Double(n[c]) }
                out[t * 6 + p] = Float(acc)
            }
        }
        return out
    }
}
