import Foundation

/// Adam moments for a list of parameter blocks (β₁ = 0.9, β₂ = 0.999, ε = 1e-8).
struct AdamState {
    var m: [[Double]]
    var v: [[Double]]
    var t = 0

    init(sizes: [Int]) {
        m = sizes.map { [Double](repeating: 0, count: $0) }
        v = m
    }

    /// Updates the moments with `grads` and returns the steps to subtract from each block.
    mutating func step(grads: [[Double]], learningRate: Double) -> [[Double]] {
        t += 1
        let b1 = 0.9, b2 = 0.999, eps = 1e-8
        let lr = learningRate * (1 - pow(b2, Double(t))).squareRoot() / (1 - pow(b1, Double(t)))
        return grads.enumerated().map { index, g in
            var delta = [Double](repeating: 0, count: g.count)
            for i in 0..<g.count {
                m[index][i] = b1 * m[index][i] + (1 - b1) * g[i]
                v[index][i] = b2 * v[index][i] + (1 - b2) * g[i] * g[i]
                delta[i] = lr * m[index][i] / (v[index][i].squareRoot() + eps)
            }
            return delta
        }
    }
}
