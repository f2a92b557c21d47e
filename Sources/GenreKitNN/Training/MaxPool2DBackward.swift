/// Backward pass of `Tensor.maxPool2D` ('valid' windows, any pool size and strides):
///
///     ∂L/∂x[n, a·sh + i*, b·sw + j*, c] += ∂L/∂y[n, a, b, c]
///
/// where `(i*, j*)` is the arg-max of the window — the first maximum in row-major window order
/// on ties, as TensorFlow's `MaxPoolGrad`. Overlapping windows add up; other inputs get 0.
public struct MaxPool2DBackward: Sendable, Equatable {
    public let poolH: Int, poolW: Int, strideH: Int, strideW: Int

    public init(pool: (Int, Int), strides: (Int, Int)) {
        precondition(pool.0 >= 1 && pool.1 >= 1 && strides.0 >= 1 && strides.1 >= 1,
                     "MaxPool2DBackward: pool \(pool), strides \(strides)")
        (poolH, poolW, strideH, strideW) = (pool.0, pool.1, strides.0, strides.1)
    }

    public func callAsFunction(input x: Tensor, outputGradient g: Tensor) -> Tensor {
        precondition(x.rank == 4, "MaxPool2DBackward: input must be NHWC, got \(x.shape)")
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = Padding.valid.output(inputSize: h, kernel: poolH, stride: strideH).size
        let ow = Padding.valid.output(inputSize: w, kernel: poolW, stride: strideW).size
        precondition(g.shape == [n, oh, ow, c], "MaxPool2DBackward: gradient \(g.shape), expected \([n, oh, ow, c])")
        var dx = Tensor(shape: x.shape)
        x.values.withUnsafeBufferPointer { xv in
            g.values.withUnsafeBufferPointer { gv in
                dx.values.withUnsafeMutableBufferPointer { d in
                    var o = 0
                    for b in 0..<n {
                        for a in 0..<oh {
                            for q in 0..<ow {
                                for ch in 0..<c {
                                    var best = ((b * h + a * strideH) * w + q * strideW) * c + ch
                                    for i in 0..<poolH {
                                        for j in 0..<poolW {
                                            let src = ((b * h + a * strideH + i) * w + q * strideW + j) * c + ch
                                            if xv[src] > xv[best] { best = src }
                                        }
                                    }
                                    d[best] += gv[o + ch]
                                }
                                o += c
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
