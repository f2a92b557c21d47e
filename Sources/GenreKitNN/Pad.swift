extension Tensor {
    /// Constant padding (TensorFlow `tf.pad(x, paddings, "CONSTANT")`): axis `d` gains
    /// `paddings[d].before` elements in front and `paddings[d].after` behind, all equal to `value`;
    /// `y[i + before] = x[i]`.
    public func padded(_ paddings: [(before: Int, after: Int)], value: Float = 0) -> Tensor {
        precondition(paddings.count == rank, "padded: \(paddings.count) paddings for rank \(rank)")
        precondition(paddings.allSatisfy { $0.before >= 0 && $0.after >= 0 }, "padded: negative padding")
        let outShape = zip(shape, paddings).map { $0 + $1.before + $1.after }
        var result = Tensor(shape: outShape, repeating: value)
        if count == 0 { return result }
        let inStrides = strides, outStrides = result.strides
        // Copy innermost rows (last axis) one at a time.
        let last = Swift.max(rank - 1, 0)
        let rowLen = rank == 0 ? 1 : shape[last]
        let rows = count / Swift.max(rowLen, 1)
        result.values.withUnsafeMutableBufferPointer { y in
            values.withUnsafeBufferPointer { x in
                var index = [Int](repeating: 0, count: Swift.max(rank - 1, 0))
                for r in 0..<rows {
                    var dst = rank == 0 ? 0 : paddings[last].before
                    for d in 0..<index.count { dst += (index[d] + paddings[d].before) * outStrides[d] }
                    var src = 0
                    for d in 0..<index.count { src += index[d] * inStrides[d] }
                    _ = r
                    (y.baseAddress! + dst).update(from: x.baseAddress! + src, count: rowLen)
                    var d = index.count - 1
                    while d >= 0 {
                        index[d] += 1
                        if index[d] < shape[d] { break }
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
        return result
    }
}
