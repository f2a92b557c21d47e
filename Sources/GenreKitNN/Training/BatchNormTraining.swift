import Foundation

/// Trainable batch normalisation (TensorFlow 1 `layers.batch_normalization`), channels last.
///
/// Training mode normalises with the statistics of the batch, over every position but the
/// channel axis (`N·H·W` values per channel for NHWC, `N` for `[N, C]`):
///
///     μ_B = mean(x),  σ²_B = mean((x − μ_B)²),  x̂ = (x − μ_B) / √(σ²_B + ε),  y = γ·x̂ + β
///
/// and updates the moving statistics as TensorFlow does (`momentum` 0.99, `ε` 1e-3):
///
///     moving_mean ← momentum·moving_mean + (1 − momentum)·μ_B
///     moving_var  ← momentum·moving_var  + (1 − momentum)·σ²_B · c
///
/// where `c = m/(m − 1)` (Bessel's correction, `m` values per channel) or 1. `besselCorrection`
/// `nil` follows TF1's `layers.batch_normalization` default (`fused=None`): 4-D inputs run the
/// fused kernel, whose batch variance fed to the moving average is Bessel-corrected; other ranks
/// (e.g. `[N, C]` after a dense layer) use `nn.moments`, the biased variance. The normalisation
/// itself always uses the biased `σ²_B`. Inference mode is the folded `BatchNorm` (`inference`),
/// using the moving statistics.
public struct BatchNormTraining: Sendable, Equatable {
    public var gamma: [Float]
    public var beta: [Float]
    public var movingMean: [Float]
    public var movingVariance: [Float]
    public var momentum: Float
    public var epsilon: Float
    /// Whether the moving variance is fed `σ²_B·m/(m − 1)`; `nil`: only for rank-4 inputs.
    public var besselCorrection: Bool?

    public var channels: Int { gamma.count }

    public init(gamma: [Float], beta: [Float], movingMean: [Float], movingVariance: [Float],
                momentum: Float = 0.99, epsilon: Float = 1e-3, besselCorrection: Bool? = nil) {
        let c = gamma.count
        precondition(beta.count == c && movingMean.count == c && movingVariance.count == c,
                     "BatchNormTraining: γ \(c), β \(beta.count), μ \(movingMean.count), σ² \(movingVariance.count)")
        self.gamma = gamma
        self.beta = beta
        self.movingMean = movingMean
        self.movingVariance = movingVariance
        self.momentum = momentum
        self.epsilon = epsilon
        self.besselCorrection = besselCorrection
    }

    /// TensorFlow's initial state: `γ = 1`, `β = 0`, moving mean 0, moving variance 1.
    public init(channels: Int, momentum: Float = 0.99, epsilon: Float = 1e-3) {
        let one = [Float](repeating: 1, count: channels), zero = [Float](repeating: 0, count: channels)
        self.init(gamma: one, beta: zero, movingMean: zero, movingVariance: one, momentum: momentum, epsilon: epsilon)
    }

    /// The inference-mode layer (moving statistics folded into `scale`, `shift`).
    public var inference: BatchNorm {
        BatchNorm(gamma: gamma, beta: beta, mean: movingMean, variance: movingVariance, epsilon: epsilon)
    }

    /// Training-mode forward pass: normalises with batch statistics, updates the moving
    /// statistics, and returns the output with what the backward pass needs.
    public mutating func forwardTraining(_ x: Tensor) -> (output: Tensor, cache: BatchNormCache) {
        let c = channels
        precondition(c > 0 && x.shape.last == c, "BatchNormTraining: input \(x.shape), \(c) channels")
        let m = x.count / c
        precondition(m > 0, "BatchNormTraining: empty batch")
        var mean = [Double](repeating: 0, count: c)
        var varSum = [Double](repeating: 0, count: c)
        x.values.withUnsafeBufferPointer { v in
            for r in 0..<m { for j in 0..<c { mean[j] += Double(v[r * c + j]) } }
            for j in 0..<c { mean[j] /= Double(m) }
            for r in 0..<m { for j in 0..<c { let d = Double(v[r * c + j]) - mean[j]; varSum[j] += d * d } }
        }
        let variance = varSum.map { Float($0 / Double(m)) }
        let mu = mean.map { Float($0) }
        let invStd = (0..<c).map { Float(1 / (Double(variance[$0]) + Double(epsilon)).squareRoot()) }
        var xhat = x
        var y = x
        xhat.values.withUnsafeMutableBufferPointer { xh in
            y.values.withUnsafeMutableBufferPointer { yv in
                for r in 0..<m {
                    for j in 0..<c {
                        let i = r * c + j
                        let n = (xh[i] - mu[j]) * invStd[j]
                        xh[i] = n
                        yv[i] = gamma[j] * n + beta[j]
                    }
                }
            }
        }
        let corrected = besselCorrection ?? (x.rank == 4)
        let correction: Float = corrected && m > 1 ? Float(m) / Float(m - 1) : 1
        for j in 0..<c {
            movingMean[j] = momentum * movingMean[j] + (1 - momentum) * mu[j]
            movingVariance[j] = momentum * movingVariance[j] + (1 - momentum) * variance[j] * correction
        }
        return (y, BatchNormCache(normalized: xhat, mean: mu, variance: variance, inverseStd: invStd))
    }

    /// Inference-mode forward pass, `γ·(x − moving_mean)/√(moving_var + ε) + β`.
    public func forwardInference(_ x: Tensor) -> Tensor { inference(x) }
}

/// Values saved by `BatchNormTraining.forwardTraining` for the backward pass.
public struct BatchNormCache: Sendable, Equatable {
    /// `x̂ = (x − μ_B)/√(σ²_B + ε)`, shape of the input.
    public var normalized: Tensor
    /// `μ_B` per channel.
    public var mean: [Float]
    /// `σ²_B` (biased) per channel.
    public var variance: [Float]
    /// `1/√(σ²_B + ε)` per channel.
    public var inverseStd: [Float]
}
