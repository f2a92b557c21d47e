/// Batch normalisation in inference form, folded into a per-channel affine map.
///
/// `y = γ · (x − μ) / √(σ² + ε) + β = x · scale + shift` with
/// `scale = γ / √(σ² + ε)` and `shift = β − μ · scale`, where μ, σ² are the moving mean and
/// variance. Channels are the last axis. TensorFlow 1's `layers.batch_normalization` uses
/// `ε = 1e-3`.
public struct BatchNorm: Sendable, Equatable {
    /// Per-channel multiplier `γ / √(σ² + ε)`.
    public let scale: [Float]
    /// Per-channel offset `β − μ · scale`.
    public let shift: [Float]

    /// Number of channels.
    public var channels: Int { scale.count }

    /// Folds the four batch-norm vectors (all the same length).
    public init(gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float = 1e-3) {
        let n = gamma.count
        precondition(beta.count == n && mean.count == n && variance.count == n,
                     "BatchNorm: γ \(gamma.count), β \(beta.count), μ \(mean.count), σ² \(variance.count)")
        var sc = [Float](repeating: 0, count: n)
        var sh = [Float](repeating: 0, count: n)
        for c in 0..<n {
            // Same float32 operation order as TensorFlow: rsqrt(var + eps) * gamma.
            let s = (1 / (variance[c] + epsilon).squareRoot()) * gamma[c]
            sc[c] = s
            sh[c] = beta[c] - mean[c] * s
        }
        scale = sc
        shift = sh
    }

    /// A batch norm given directly by its folded affine form.
    public init(scale: [Float], shift: [Float]) {
        precondition(scale.count == shift.count, "BatchNorm: scale \(scale.count) vs shift \(shift.count)")
        self.scale = scale
        self.shift = shift
    }

    /// Channels `indices` only, in that order.
    public func selecting(_ indices: [Int]) -> BatchNorm {
        BatchNorm(scale: indices.map { scale[$0] }, shift: indices.map { shift[$0] })
    }

    /// Applies `x · scale[c] + shift[c]` in place to a buffer whose last axis has `channels` entries.
    @inlinable
    public func apply(_ x: UnsafeMutableBufferPointer<Float>) {
        let c = scale.count
        precondition(c > 0 && x.count % c == 0, "BatchNorm: \(x.count) values, \(c) channels")
        scale.withUnsafeBufferPointer { sc in
            shift.withUnsafeBufferPointer { sh in
                var base = 0
                while base < x.count {
                    for j in 0..<c { x[base + j] = x[base + j] * sc[j] + sh[j] }
                    base += c
                }
            }
        }
    }

    /// Normalises `x` (last axis = channels).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == channels, "BatchNorm: input \(x.shape), \(channels) channels")
        var t = x
        t.values.withUnsafeMutableBufferPointer { apply($0) }
        return t
    }
}
