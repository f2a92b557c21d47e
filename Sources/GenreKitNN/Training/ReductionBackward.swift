/// Backward passes of the reductions over one axis of length `L` (`Tensor.mean(alongAxis:)`,
/// `Tensor.max(alongAxis:)`); `∂L/∂y` has the input's shape without that axis.
///
///     mean: ∂L/∂x[…, k, …] = ∂L/∂y[…, …] / L
///     max:  ∂L/∂x[…, k, …] = ∂L/∂y[…, …] · 1[x[…, k, …] = y[…, …]] / #{k' : x[…, k', …] = y[…, …]}
///
/// The max gradient is shared equally between tied maxima, as TensorFlow's `reduce_max` gradient.
public struct ReductionBackward: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case mean, max }
    public let kind: Kind
    public let axis: Int

    public init(_ kind: Kind, axis: Int) {
        self.kind = kind
        self.axis = axis
    }

    public func callAsFunction(input x: Tensor, outputGradient g: Tensor) -> Tensor {
        precondition(axis >= 0 && axis < x.rank, "ReductionBackward: axis \(axis) for \(x.shape)")
        var reduced = x.shape
        reduced.remove(at: axis)
        precondition(g.shape == reduced, "ReductionBackward: gradient \(g.shape), expected \(reduced)")
        let outer = x.shape[..<axis].reduce(1, *), len = x.shape[axis], inner = x.shape[(axis + 1)...].reduce(1, *)
        var dx = Tensor(shape: x.shape)
        if len == 0 { return dx }
        x.values.withUnsafeBufferPointer { xv in
            g.values.withUnsafeBufferPointer { gv in
                dx.values.withUnsafeMutableBufferPointer { d in
                    for o in 0..<outer {
                        let base = o * len * inner
                        for i in 0..<inner {
                            let gi = gv[o * inner + i]
                            switch kind {
                            case .mean:
                                let v = gi / Float(len)
                                for k in 0..<len { d[base + k * inner + i] = v }
                            case .max:
                                var m = xv[base + i]
                                for k in 1..<len { m = Swift.max(m, xv[base + k * inner + i]) }
                                var ties = 0
                                for k in 0..<len where xv[base + k * inner + i] == m { ties += 1 }
                                let v = gi / Float(ties)
                                for k in 0..<len where xv[base + k * inner + i] == m { d[base + k * inner + i] = v }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
