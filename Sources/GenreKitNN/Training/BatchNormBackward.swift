/// Gradients of a batch norm.
public struct BatchNormGradients: Sendable, Equatable {
    /// `∂L/∂x`, shape of the input.
    public var input: Tensor
    /// `∂L/∂γ` per channel.
    public var gamma: [Float]
    /// `∂L/∂β` per channel.
    public var beta: [Float]
}

/// Backward passes of batch normalisation (channels last, `m` values per channel).
///
/// Training mode (batch statistics, which depend on `x`), with `g = ∂L/∂y`, `s = 1/√(σ²_B + ε)`:
///
///     ∂L/∂β = Σ g        ∂L/∂γ = Σ g·x̂
///     ∂L/∂x = γ·s · (g − ∂L/∂β / m − x̂ · ∂L/∂γ / m)
///
/// Inference mode (moving statistics are constants), `s = 1/√(σ²_moving + ε)`:
///
///     ∂L/∂β = Σ g        ∂L/∂γ = Σ g·(x − μ_moving)·s        ∂L/∂x = γ·s·g
public enum BatchNormBackward {
    /// Training-mode gradients from the forward cache.
    public static func training(outputGradient g: Tensor, cache: BatchNormCache, gamma: [Float]) -> BatchNormGradients {
        let c = gamma.count
        precondition(g.shape == cache.normalized.shape && g.shape.last == c,
                     "BatchNormBackward: gradient \(g.shape) vs cache \(cache.normalized.shape), \(c) channels")
        let m = g.count / c
        var dgamma = [Double](repeating: 0, count: c), dbeta = [Double](repeating: 0, count: c)
        var dx = g
        g.values.withUnsafeBufferPointer { gv in
            cache.normalized.values.withUnsafeBufferPointer { xh in
                for r in 0..<m {
                    for j in 0..<c {
                        let i = r * c + j
                        dbeta[j] += Double(gv[i])
                        dgamma[j] += Double(gv[i]) * Double(xh[i])
                    }
                }
                let inv = 1 / Double(m)
                let a = (0..<c).map { Float(dbeta[$0] * inv) }
                let b = (0..<c).map { Float(dgamma[$0] * inv) }
                let k = (0..<c).map { gamma[$0] * cache.inverseStd[$0] }
                dx.values.withUnsafeMutableBufferPointer { d in
                    for r in 0..<m {
                        for j in 0..<c {
                            let i = r * c + j
                            d[i] = k[j] * (gv[i] - a[j] - xh[i] * b[j])
                        }
                    }
                }
            }
        }
        return BatchNormGradients(input: dx, gamma: dgamma.map { Float($0) }, beta: dbeta.map { Float($0) })
    }

    /// Inference-mode gradients for forward input `x`.
    public static func inference(input x: Tensor, outputGradient g: Tensor, gamma: [Float],
                                 movingMean: [Float], movingVariance: [Float], epsilon: Float = 1e-3) -> BatchNormGradients {
        let c = gamma.count
        precondition(g.shape == x.shape && x.shape.last == c && movingMean.count == c && movingVariance.count == c,
                     "BatchNormBackward: gradient \(g.shape) vs input \(x.shape), \(c) channels")
        let m = c == 0 ? 0 : x.count / c
        let s = (0..<c).map { 1 / (movingVariance[$0] + epsilon).squareRoot() }
        var dgamma = [Double](repeating: 0, count: c), dbeta = [Double](repeating: 0, count: c)
        var dx = g
        x.values.withUnsafeBufferPointer { xv in
            dx.values.withUnsafeMutableBufferPointer { d in
                for r in 0..<m {
                    for j in 0..<c {
                        let i = r * c + j
                        let gi = d[i]
                        dbeta[j] += Double(gi)
                        dgamma[j] += Double(gi) * Double((xv[i] - movingMean[j]) * s[j])
                        d[i] = gi * gamma[j] * s[j]
                    }
                }
            }
        }
        return BatchNormGradients(input: dx, gamma: dgamma.map { Float($0) }, beta: dbeta.map { Float($0) })
    }

    /// Inference-mode gradients for a `BatchNormTraining` layer's moving statistics.
    public static func inference(_ layer: BatchNormTraining, input x: Tensor, outputGradient g: Tensor) -> BatchNormGradients {
        inference(input: x, outputGradient: g, gamma: layer.gamma, movingMean: layer.movingMean,
                  movingVariance: layer.movingVariance, epsilon: layer.epsilon)
    }
}
