/// Backward pass of `Tensor.padded(_:value:)`: the gradient of the padding is dropped and the
/// interior is passed through, `∂L/∂x[i] = ∂L/∂y[i + before]` (per axis).
public struct PadBackward: Sendable {
    public let paddings: [(before: Int, after: Int)]

    public init(paddings: [(before: Int, after: Int)]) {
        precondition(paddings.allSatisfy { $0.before >= 0 && $0.after >= 0 }, "PadBackward: negative padding")
        self.paddings = paddings
    }

    public func callAsFunction(outputGradient g: Tensor) -> Tensor {
        precondition(paddings.count == g.rank, "PadBackward: \(paddings.count) paddings for rank \(g.rank)")
        let shape = zip(g.shape, paddings).map { $0 - $1.before - $1.after }
        precondition(shape.allSatisfy { $0 >= 0 }, "PadBackward: gradient \(g.shape) smaller than the padding")
        let r = g.rank
        if r == 0 { return g }
        let gStrides = g.strides
        let rowLen = shape[r - 1]
        var dx = Tensor(shape: shape)
        let rows = rowLen == 0 ? 0 : dx.count / rowLen
        if rows == 0 { return dx }
        g.values.withUnsafeBufferPointer { src in
            dx.values.withUnsafeMutableBufferPointer { dst in
                var index = [Int](repeating: 0, count: r - 1)
                for row in 0..<rows {
                    var s = paddings[r - 1].before
                    for d in 0..<(r - 1) { s += (index[d] + paddings[d].before) * gStrides[d] }
                    (dst.baseAddress! + row * rowLen).update(from: src.baseAddress! + s, count: rowLen)
                    var d = r - 2
                    while d >= 0 {
                        index[d] += 1
                        if index[d] < shape[d] { break }
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
        return dx
    }
}
