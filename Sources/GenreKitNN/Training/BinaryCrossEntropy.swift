import Foundation

/// Multi-label binary cross-entropy on logits `z` with targets `y ∈ [0, 1]` (same shape),
/// averaged over all elements (TensorFlow `sigmoid_cross_entropy_with_logits` + mean), in the
/// numerically stable form:
///
///     ℓ(z, y) = max(z, 0) − z·y + log(1 + e^(−|z|)),     L = (1/N) Σ ℓ
///     ∂L/∂z = (σ(z) − y) / N
public struct BinaryCrossEntropyWithLogits: Sendable, Equatable {
    public init() {}

    public func callAsFunction(logits z: Tensor, targets y: Tensor) -> LossResult {
        precondition(z.shape == y.shape, "BinaryCrossEntropyWithLogits: logits \(z.shape) vs targets \(y.shape)")
        let n = z.count
        var grad = Tensor(shape: z.shape)
        var total = 0.0
        z.values.withUnsafeBufferPointer { zv in
            y.values.withUnsafeBufferPointer { yv in
                grad.values.withUnsafeMutableBufferPointer { g in
                    let inv = 1 / Double(Swift.max(n, 1))
                    for i in 0..<n {
                        let zi = Double(zv[i]), yi = Double(yv[i])
                        total += Swift.max(zi, 0) - zi * yi + log1p(exp(-abs(zi)))
                        let s = zi >= 0 ? 1 / (1 + exp(-zi)) : exp(zi) / (1 + exp(zi))
                        g[i] = Float((s - yi) * inv)
                    }
                }
            }
        }
        return LossResult(loss: n == 0 ? 0 : Float(total / Double(n)), gradient: grad)
    }
}
