/// Global-norm gradient clipping, as TensorFlow's `clip_by_global_norm`:
///
///     n = √(Σ_t ‖g_t‖²),        g_t ← g_t · c / max(n, c)
///
/// (gradients are unchanged when `n ≤ c`). The norm is accumulated in float64.
public enum GradientClipping {
    /// `√(Σ_t ‖g_t‖²)`.
    public static func globalNorm(_ gradients: [Tensor]) -> Float {
        var s = 0.0
        for g in gradients { for v in g.values { s += Double(v) * Double(v) } }
        return Float(s.squareRoot())
    }

    /// Clips in place to global norm at most `maxNorm` and returns the norm before clipping.
    @discardableResult
    public static func clipByGlobalNorm(_ gradients: inout [Tensor], maxNorm: Float) -> Float {
        precondition(maxNorm > 0, "clipByGlobalNorm: maxNorm \(maxNorm)")
        let n = globalNorm(gradients)
        if n > maxNorm && n.isFinite {
            let k = maxNorm / n
            for t in gradients.indices {
                gradients[t].values.withUnsafeMutableBufferPointer { v in for i in v.indices { v[i] *= k } }
            }
        }
        return n
    }
}
