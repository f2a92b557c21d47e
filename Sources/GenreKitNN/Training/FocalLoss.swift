import Foundation

/// Sigmoid focal loss (Lin et al. 2017) for multi-label targets `y ∈ {0, 1}`, averaged over all
/// elements. With `p = σ(z)`, `p_t = p` and `α_t = α` where `y = 1`, `p_t = 1 − p` and
/// `α_t = 1 − α` where `y = 0`:
///
///     FL = −α_t · (1 − p_t)^γ · log p_t,        L = (1/N) Σ FL
///
/// Writing `p_t = σ(s·z)` with `s = 2y − 1`, the gradient (free of the `(1 − p_t)^(γ−1)`
/// singularity) is
///
///     ∂FL/∂z = s · α_t · (1 − p_t)^γ · (γ · p_t · log p_t − (1 − p_t))
///
/// `γ = 0, α = 0.5` gives half the binary cross-entropy. `log p_t = −softplus(−s·z)` is evaluated stably.
public struct FocalLoss: Sendable, Equatable {
    public let gamma: Float
    public let alpha: Float

    public init(gamma: Float = 2, alpha: Float = 0.25) {
        precondition(gamma >= 0 && alpha >= 0 && alpha <= 1, "FocalLoss: γ \(gamma), α \(alpha)")
        self.gamma = gamma
        self.alpha = alpha
    }

    public func callAsFunction(logits z: Tensor, targets y: Tensor) -> LossResult {
        precondition(z.shape == y.shape, "FocalLoss: logits \(z.shape) vs targets \(y.shape)")
        let n = z.count
        let g64 = Double(gamma), a64 = Double(alpha)
        var grad = Tensor(shape: z.shape)
        var total = 0.0
        z.values.withUnsafeBufferPointer { zv in
            y.values.withUnsafeBufferPointer { yv in
                grad.values.withUnsafeMutableBufferPointer { g in
                    let inv = 1 / Double(Swift.max(n, 1))
                    for i in 0..<n {
                        precondition(yv[i] == 0 || yv[i] == 1, "FocalLoss: target \(yv[i]) not in {0, 1}")
                        let positive = yv[i] == 1
                        let s: Double = positive ? 1 : -1
                        let at = positive ? a64 : 1 - a64
                        let u = s * Double(zv[i])                        // p_t = σ(u)
                        let logPt = -(Swift.max(-u, 0) + log1p(exp(-abs(u))))   // −softplus(−u)
                        let pt = exp(logPt)
                        let q = u >= 0 ? exp(-u) / (1 + exp(-u)) : 1 / (1 + exp(u))   // 1 − p_t = σ(−u)
                        let qg = g64 == 0 ? 1 : pow(q, g64)
                        total += -at * qg * logPt
                        g[i] = Float(s * at * qg * (g64 * pt * logPt - q) * inv)
                    }
                }
            }
        }
        return LossResult(loss: n == 0 ? 0 : Float(total / Double(n)), gradient: grad)
    }
}
