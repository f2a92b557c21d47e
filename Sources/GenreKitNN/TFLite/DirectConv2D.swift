/// 2-D convolution with float weights summed tap by tap in TensorFlow Lite's order, for small filters whose
/// results must match TensorFlow Lite bit for bit (its im2col GEMM adds the `K = kh·kw·C` products in row-major
/// `(i, j, c)` order, then the bias).
///
/// For input `x[n, h, w, c]`, filter `W[o, i, j, c]` (TensorFlow Lite's OHWI layout), bias `b`:
///
///     y[n, oh, ow, o] = act( (Σ_{i, j, c} x[n, oh·sh + i − pt, ow·sw + j − pl, c] · W[o, i, j, c]) + b[o] )
///
/// with zero padding outside the input. Cost `O(outputs · K)` without BLAS: meant for the small first layer of a
/// network (YAMNet's 3×3×1 stem: 288 weights); large float convolutions belong in ``Conv2D``.
public struct DirectConv2D: SlidingWindowLayer, Sendable {
    /// `[kh, kw, C, O]` (transposed from OHWI so that the inner loop runs over output channels).
    let weightHWIO: [Float]
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let inputChannels: Int
    public let outputChannels: Int
    public let bias: [Float]
    public let strideH: Int
    public let strideW: Int
    public let padding: Padding
    public let activation: Activation

    /// `filterOHWI`: `[O, kh, kw, C]` row-major.
    public init(filterOHWI: [Float], outputChannels: Int, kernelHeight: Int, kernelWidth: Int, inputChannels: Int,
                bias: [Float]?, strides: (Int, Int), padding: Padding, activation: Activation) {
        let k = kernelHeight * kernelWidth * inputChannels
        precondition(filterOHWI.count == outputChannels * k, "DirectConv2D: filter size")
        var t = [Float](repeating: 0, count: filterOHWI.count)
        for o in 0..<outputChannels { for r in 0..<k { t[r * outputChannels + o] = filterOHWI[o * k + r] } }
        weightHWIO = t
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.bias = bias ?? [Float](repeating: 0, count: outputChannels)
        precondition(self.bias.count == outputChannels, "DirectConv2D: bias")
        strideH = strides.0
        strideW = strides.1
        self.padding = padding
        self.activation = activation
    }


    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[3] == inputChannels, "DirectConv2D: input \(x.shape)")
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, pt) = padding.output(inputSize: h, kernel: kernelHeight, stride: strideH)
        let (ow, pl) = padding.output(inputSize: w, kernel: kernelWidth, stride: strideW)
        let co = outputChannels
        return Tensor(shape: [n, oh, ow, co]) { out in
            x.values.withUnsafeBufferPointer { xp in
                weightHWIO.withUnsafeBufferPointer { wp in
                    for b in 0..<n {
                        for y in 0..<oh {
                            for xo in 0..<ow {
                                let dst = out.baseAddress! + ((b * oh + y) * ow + xo) * co
                                for o in 0..<co { dst[o] = 0 }
                                for i in 0..<kernelHeight {
                                    let iy = y * strideH - pt + i
                                    if iy < 0 || iy >= h { continue }
                                    for j in 0..<kernelWidth {
                                        let ix = xo * strideW - pl + j
                                        if ix < 0 || ix >= w { continue }
                                        let src = xp.baseAddress! + ((b * h + iy) * w + ix) * c
                                        for ci in 0..<c {
                                            let v = src[ci]
                                            let wr = wp.baseAddress! + ((i * kernelWidth + j) * c + ci) * co
                                            for o in 0..<co { dst[o] += v * wr[o] }
                                        }
                                    }
                                }
                                bias.withUnsafeBufferPointer { bp in
                                    for o in 0..<co { dst[o] = dst[o] + bp[o] }
                                }
                                switch activation {
                                case .identity: break
                                case .relu: for o in 0..<co { dst[o] = Swift.max(dst[o], 0) }
                                case .sigmoid: for o in 0..<co { dst[o] = Activation.sigmoid(dst[o]) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
