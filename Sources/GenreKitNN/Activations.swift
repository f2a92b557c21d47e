import Foundation

/// Element-wise activation functions.
public enum Activation: Sendable, Equatable {
    /// `f(x) = x`
    case identity
    /// `f(x) = max(x, 0)`
    case relu
    /// `f(x) = 1 / (1 + e^(−x))`
    case sigmoid

    /// Applies the activation in place.
    @inlinable
    public func apply(_ x: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .identity: return
        case .relu: for i in x.indices { x[i] = Swift.max(x[i], 0) }
        case .sigmoid: for i in x.indices { x[i] = Activation.sigmoid(x[i]) }
        }
    }

    /// Numerically stable logistic function `1 / (1 + e^(−x))`.
    @inlinable
    public static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + expf(-x)) }
        let e = expf(x)
        return e / (1 + e)
    }
}

extension Tensor {
    /// Applies `activation` element-wise.
    public func applying(_ activation: Activation) -> Tensor {
        var t = self
        t.values.withUnsafeMutableBufferPointer { activation.apply($0) }
        return t
    }

    /// `max(x, 0)` element-wise.
    public func relu() -> Tensor { applying(.relu) }

    /// `1 / (1 + e^(−x))` element-wise.
    public func sigmoid() -> Tensor { applying(.sigmoid) }

    /// Softmax over the last axis: `y_i = e^(x_i − max x) / Σ_j e^(x_j − max x)`.
    public func softmax() -> Tensor {
        precondition(rank >= 1, "softmax of a scalar")
        let n = shape[rank - 1]
        var t = self
        if n == 0 { return t }
        t.values.withUnsafeMutableBufferPointer { v in
            var base = 0
            while base < v.count {
                var m = -Float.infinity
                for i in base..<(base + n) { m = Swift.max(m, v[i]) }
                var s: Float = 0
                for i in base..<(base + n) { let e = expf(v[i] - m); v[i] = e; s += e }
                let inv = 1 / s
                for i in base..<(base + n) { v[i] *= inv }
                base += n
            }
        }
        return t
    }

    /// `x + y` element-wise (same shape).
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        precondition(lhs.shape == rhs.shape, "+: \(lhs.shape) vs \(rhs.shape)")
        var t = lhs
        t.values.withUnsafeMutableBufferPointer { a in
            rhs.values.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += b[i] }
            }
        }
        return t
    }

    /// Clamps every element to `[lo, hi]`.
    public func clamped(to lo: Float, _ hi: Float) -> Tensor {
        var t = self
        t.values.withUnsafeMutableBufferPointer { v in
            for i in v.indices { v[i] = Swift.min(Swift.max(v[i], lo), hi) }
        }
        return t
    }
}
