import Foundation

/// Harmonic/percussive separation by median filtering, `librosa.decompose.hpss(S, kernel_size, power, margin)`
/// on a non-negative (magnitude) spectrogram `S`, frame-major `frames × bins`:
/// `H̃ = median over 31 frames` (per bin), `P̃ = median over 31 bins` (per frame), both with SciPy's `reflect`
/// boundary (`d c b a | a b c d | d c b a`); soft masks `M_H = H̃² / (H̃² + (margin·P̃)²)` (each scaled by
/// `max(H̃, margin·P̃)` first, in float32, as `librosa.util.softmask`; 0.5 each where both are below float32's
/// smallest normal number and margin is 1, else 0); returns `(S·M_H, S·M_P)`.
public enum HarmonicPercussive {
    public static func separate(_ s: [Float], frames: Int, bins: Int, kernelSize: Int = 31, power: Float = 2,
                                margin: Float = 1) -> (harmonic: [Float], percussive: [Float]) {
        precondition(s.count == frames * bins, "spectrogram must be frames × bins")
        precondition(kernelSize >= 1 && margin >= 1 && power > 0)
        let half = kernelSize / 2
        /// SciPy ndimage "reflect" index for any offset.
        func reflect(_ i: Int, _ n: Int) -> Int {
            let p = 2 * n
            var m = i % p; if m < 0 { m += p }
            return m < n ? m : p - 1 - m
        }
        var harm = [Float](repeating: 0, count: s.count), perc = harm
        var window = [Float](repeating: 0, count: kernelSize)
        for t in 0..<frames {
            for k in 0..<bins {
                for j in 0..<kernelSize { window[j] = s[reflect(t + j - half, frames) * bins + k] }
                harm[t * bins + k] = median(&window)
                for j in 0..<kernelSize { window[j] = s[t * bins + reflect(k + j - half, bins)] }
                perc[t * bins + k] = median(&window)
            }
        }
        let split = margin == 1
        var h = [Float](repeating: 0, count: s.count), p = h
        for i in s.indices {
            h[i] = s[i] * softmask(harm[i], perc[i] * margin, power, split)
            p[i] = s[i] * softmask(perc[i], harm[i] * margin, power, split)
        }
        return (h, p)
    }

    /// `scipy.ndimage.median_filter`'s value: element `size/2` of the sorted window (rank filter).
    static func median(_ w: inout [Float]) -> Float {
        w.sort()
        return w[w.count / 2]
    }

    /// One element of `librosa.util.softmask(X, X_ref, power, split_zeros)`, in float32.
    @inline(__always)
    static func softmask(_ x: Float, _ ref: Float, _ power: Float, _ splitZeros: Bool) -> Float {
        let z = max(x, ref)
        if z < Float.leastNormalMagnitude { return splitZeros ? 0.5 : 0 }
        let a = x / z, b = ref / z
        let m = power == 2 ? a * a : pow(a, power)
        let r = power == 2 ? b * b : pow(b, power)
        return m / (m + r)
    }
}
