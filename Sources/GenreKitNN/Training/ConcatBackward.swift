/// Backward pass of `Tensor.concatenate(_:alongAxis:)`: the upstream gradient is split back
/// along the axis, `∂L/∂part_p[…, k, …] = ∂L/∂y[…, offset_p + k, …]`.
public struct ConcatBackward: Sendable, Equatable {
    /// Extent of each part along `axis`.
    public let sizes: [Int]
    public let axis: Int

    public init(sizes: [Int], axis: Int) {
        precondition(!sizes.isEmpty && sizes.allSatisfy { $0 >= 0 }, "ConcatBackward: sizes \(sizes)")
        self.sizes = sizes
        self.axis = axis
    }

    /// For the parts' shapes as given to `concatenate`.
    public init(partShapes: [[Int]], axis: Int) {
        self.init(sizes: partShapes.map { $0[axis] }, axis: axis)
    }

    public func callAsFunction(outputGradient g: Tensor) -> [Tensor] {
        precondition(axis >= 0 && axis < g.rank && g.shape[axis] == sizes.reduce(0, +),
                     "ConcatBackward: gradient \(g.shape) vs sizes \(sizes) on axis \(axis)")
        let outer = g.shape[..<axis].reduce(1, *), inner = g.shape[(axis + 1)...].reduce(1, *)
        let row = g.shape[axis] * inner
        var offset = 0
        return sizes.map { size in
            var shape = g.shape
            shape[axis] = size
            let chunk = size * inner
            let part = Tensor(shape: shape) { out in
                g.values.withUnsafeBufferPointer { src in
                    for o in 0..<outer where chunk > 0 {
                        (out.baseAddress! + o * chunk).update(from: src.baseAddress! + o * row + offset, count: chunk)
                    }
                }
            }
            offset += chunk
            return part
        }
    }
}
