extension Tensor {
    /// TensorFlow Lite `GATHER` (`batch_dims = 0`): slices of `self` along `axis` picked by `indices`.
    ///
    ///     y[a…, i…, b…] = x[a…, indices[i…], b…]
    ///
    /// with output shape `shape[..<axis] + indexShape + shape[(axis+1)...]`. Every index must lie in
    /// `0 ..< shape[axis]` (checked by the caller when the plan is built).
    public func gathering(_ indices: [Int], indexShape: [Int], axis: Int) -> Tensor {
        precondition(axis >= 0 && axis < rank, "gathering: axis \(axis) for rank \(rank)")
        precondition(indices.allSatisfy { $0 >= 0 && $0 < shape[axis] }, "gathering: index out of range for \(shape[axis])")
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        let n = shape[axis]
        let outShape = Array(shape[..<axis]) + indexShape + Array(shape[(axis + 1)...])
        return Tensor(shape: outShape) { out in
            values.withUnsafeBufferPointer { x in
                var o = 0
                for a in 0..<outer {
                    for idx in indices {
                        (out.baseAddress! + o).update(from: x.baseAddress! + (a * n + idx) * inner, count: inner)
                        o += inner
                    }
                }
            }
        }
    }
}
