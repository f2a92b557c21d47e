import Foundation

/// Single-label softmax cross-entropy on logits `z` `[B, C]` with integer labels `y_b` and
/// optional class weights `w` (all 1 by default), averaged over the batch:
///
///     p_b = softmax(z_b),   L = (1/B) Σ_b w[y_b] · (−log p_b[y_b])
///     ∂L/∂z_b = (w[y_b]/B) · (p_b − onehot(y_b))
///
/// `−log p_b[y_b] = logsumexp(z_b) − z_b[y_b]` is computed stably (max subtracted, float64 sums).
public struct SoftmaxCrossEntropy: Sendable, Equatable {
    public let classWeights: [Float]?

    public init(classWeights: [Float]? = nil) { self.classWeights = classWeights }

    public func callAsFunction(logits z: Tensor, labels: [Int]) -> LossResult {
        precondition(z.rank == 2 && z.shape[0] == labels.count, "SoftmaxCrossEntropy: logits \(z.shape), \(labels.count) labels")
        let (b, c) = (z.shape[0], z.shape[1])
        if let classWeights { precondition(classWeights.count == c, "SoftmaxCrossEntropy: \(classWeights.count) weights, \(c) classes") }
        var grad = Tensor(shape: z.shape)
        var total = 0.0
        z.values.withUnsafeBufferPointer { zv in
            grad.values.withUnsafeMutableBufferPointer { g in
                for r in 0..<b {
                    let y = labels[r]
                    precondition(y >= 0 && y < c, "SoftmaxCrossEntropy: label \(y) outside 0..<\(c)")
                    let w = Double(classWeights?[y] ?? 1)
                    let row = r * c
                    var m = -Double.infinity
                    for j in 0..<c { m = Swift.max(m, Double(zv[row + j])) }
                    var s = 0.0
                    for j in 0..<c { s += exp(Double(zv[row + j]) - m) }
                    let lse = m + log(s)
                    total += w * (lse - Double(zv[row + y]))
                    let k = w / Double(b)
                    for j in 0..<c {
                        let p = exp(Double(zv[row + j]) - lse)
                        g[row + j] = Float(k * (p - (j == y ? 1 : 0)))
                    }
                }
            }
        }
        return LossResult(loss: b == 0 ? 0 : Float(total / Double(b)), gradient: grad)
    }
}
