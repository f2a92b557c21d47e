extension Tensor {
    /// Mean over `axes` (TensorFlow Lite `MEAN`): for each kept index,
    ///
    ///     y = (Σ over the reduced elements, in row-major order, float32) / float32(count)
    ///
    /// which is TensorFlow Lite's float reduction (sum first, one division). The reduced axes are dropped
    /// (`keepDimensions: false`) or kept with extent 1.
    public func mean(axes: [Int], keepDimensions: Bool = false) -> Tensor {
        let ax = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
        precondition(ax.allSatisfy { $0 >= 0 && $0 < rank }, "mean: axes \(axes) for rank \(rank)")
        let kept = (0..<rank).filter { !ax.contains($0) }
        let outShape = keepDimensions ? shape.enumerated().map { ax.contains($0.offset) ? 1 : $0.element } : kept.map { shape[$0] }
        let reduced = ax.reduce(1) { $0 * shape[$1] }
        let outCount = Tensor.elementCount(kept.map { shape[$0] })
        var sums = [Float](repeating: 0, count: outCount)
        let st = strides
        var keptStrides = [Int](repeating: 0, count: rank)
        var acc = 1
        for d in kept.reversed() { keptStrides[d] = acc; acc *= shape[d] }
        values.withUnsafeBufferPointer { x in
            var index = [Int](repeating: 0, count: rank)
            _ = st
            var o = 0
            for i in 0..<count {
                sums[o] += x[i]
                var d = rank - 1
                while d >= 0 {
                    index[d] += 1
                    o += keptStrides[d]
                    if index[d] < shape[d] { break }
                    o -= keptStrides[d] * index[d]
                    index[d] = 0
                    d -= 1
                }
            }
        }
        let n = Float(reduced)
        return Tensor(shape: outShape, values: sums.map { $0 / n })
    }
}
