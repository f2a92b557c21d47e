import GenreKitNN

/// Interval-arithmetic proof that some first-layer filters never pass their ReLU.
///
/// A convolution filter `c` sees inputs `x_k ∈ [lo, hi]` (the clamped, batch-normalised log-mel,
/// plus the zero padding, so `lo ≤ 0 ≤ hi`). Its pre-activation is bounded above by
///
///     U_c = b_c + Σ_k max(w_kc · lo, w_kc · hi).
///
/// If `U_c ≤ 0` the ReLU output is `0` for every input, so after the following batch norm the
/// channel is the constant `bn(0) = shift_c = β_c − γ_c·μ_c/√(σ²_c + ε)`, and after max pooling too.
/// Such filters can be dropped from the GEMM and their outputs filled with that constant.
///
/// `U_c` is evaluated in double precision and must be below `−slack`, where
/// `slack = (K + 2)·2⁻²³·(|b_c| + Σ_k |w_kc|·max(|lo|, |hi|))` bounds the float32 rounding of the
/// run-time dot product (K terms), so the run-time ReLU input is ≤ 0 in float arithmetic too.
public enum ConstantFilterAnalysis {
    /// Indices of the filters of `conv` proved to be always ≤ 0 before the ReLU.
    public static func deadFilters(of conv: Conv2D, inputLow lo: Float, inputHigh hi: Float) -> [Int] {
        precondition(lo <= 0 && hi >= 0, "input interval [\(lo), \(hi)] must contain the zero padding")
        let k = conv.kernelHeight * conv.kernelWidth * conv.inputChannels
        let co = conv.outputChannels
        let l = Double(lo), h = Double(hi), mag = max(abs(l), abs(h))
        let eps = Double(k + 2) * 0x1p-23
        var dead: [Int] = []
        conv.kernel.values.withUnsafeBufferPointer { w in
            for c in 0..<co {
                let b = Double(conv.bias[c])
                var upper = b, absSum = abs(b)
                for r in 0..<k {
                    let wk = Double(w[r * co + c])
                    upper += max(wk * l, wk * h)
                    absSum += abs(wk) * mag
                }
                if upper <= -eps * absSum { dead.append(c) }
            }
        }
        return dead
    }

    /// The interval of `x·scale + shift` for `x ∈ [0, xMax]`, widened to contain 0 (padding) and
    /// by a relative 1e-6 for the float32 rounding of the affine map.
    public static func normalizedInputRange(scale: Float, shift: Float, xMax: Float) -> (lo: Float, hi: Float) {
        let a = Double(shift), b = Double(xMax) * Double(scale) + Double(shift)
        let lo = min(0, a, b), hi = max(0, a, b)
        let pad = 1e-6 * max(abs(lo), abs(hi))
        return (Float(lo - pad).nextDown, Float(hi + pad).nextUp)
    }
}
