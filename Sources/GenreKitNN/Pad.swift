extension Tensor {
    /// Constant padding (TensorFlow `tf.pad(x, paddings, "CONSTANT")`): axis `d` gains
    /// `paddings[d].before` elements in front and `paddings[d].after` behind, all equal to `value`;
    /// `y[i + before] = x[i]`.
    public func padded(_ paddings: [(before: Int, after: Int)], value: Float = 0) -> Tensor {
        precondition(paddings.count == rank, "padded: \(paddings.count) paddings for rank \(rank)")
        precondition(paddings.allSatisfy { $0.before >= 0 && $0.after >= 0 }, "padded: negative padding")
        // The trailing axes without padding are contiguous in both tensors: copy them as one run per index of the
        // axes in front (for musicnn's `[n, T, 96, 1]` input padded in time, one run of 96 floats per frame).
        var split = rank
        while split > 0 && paddings[split - 1].before == 0 && paddings[split - 1].after == 0 { split -= 1 }
        if split == 0 { return self }
        let outShape = zip(shape, paddings).map { $0 + $1.before + $1.after }
        var result = Tensor(shape: outShape, repeating: value)
        if count == 0 { return result }
        let runLen = shape[split...].reduce(1, *)
        let outer = Array(shape[..<split])
        let inStrides = strides, outStrides = result.strides
        let runs = count / Swift.max(runLen, 1)
        result.values.withUnsafeMutableBufferPointer { y in
            values.withUnsafeBufferPointer { x in
                var index = [Int](repeating: 0, count: split)
                for _ in 0..<runs {
                    var dst = 0, src = 0
                    for d in 0..<split {
                        dst += (index[d] + paddings[d].before) * outStrides[d]
                        src += index[d] * inStrides[d]
                    }
                    (y.baseAddress! + dst).update(from: x.baseAddress! + src, count: runLen)
                    var d = split - 1
                    while d >= 0 {
                        index[d] += 1
                        if index[d] < outer[d] { break }
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
        return result
    }
}
