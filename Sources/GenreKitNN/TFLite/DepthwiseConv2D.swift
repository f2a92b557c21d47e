/// Depthwise 2-D convolution on NHWC tensors (TensorFlow `depthwise_conv2d`, TensorFlow Lite `DEPTHWISE_CONV_2D`),
/// float weights, summed in TensorFlow Lite's order.
///
/// For input `x[n, h, w, c]`, filter `W[i, j, c·m + d]` (layout `[1, kh, kw, C·m]`, depth multiplier `m`), bias `b`:
///
///     y[n, oh, ow, c·m + d] = act( b[c·m + d] + Σ_{i, j} x[n, oh·sh + i − pt, ow·sw + j − pl, c] · W[i, j, c·m + d] )
///
/// with zero padding outside the input (`pt`, `pl` from ``Padding/output(inputSize:kernel:stride:)``). The sum
/// starts from the bias and adds the taps in row-major `(i, j)` order, one float32 rounding per tap, as TensorFlow
/// Lite's float kernel does, so results agree bit for bit.
public struct DepthwiseConv2D: SlidingWindowLayer, Sendable {
    /// `[kh, kw, C·m]`.
    public let filter: [Float]
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let inputChannels: Int
    public let depthMultiplier: Int
    public let bias: [Float]
    public let strideH: Int
    public let strideW: Int
    public let padding: Padding
    public let activation: Activation

    public var outputChannels: Int { inputChannels * depthMultiplier }

    /// `filter` in TensorFlow Lite's `[1, kh, kw, C·m]` layout (the leading 1 dropped).
    public init(filter: [Float], kernelHeight: Int, kernelWidth: Int, inputChannels: Int, depthMultiplier: Int = 1,
                bias: [Float]?, strides: (Int, Int), padding: Padding, activation: Activation) {
        precondition(filter.count == kernelHeight * kernelWidth * inputChannels * depthMultiplier, "DepthwiseConv2D: filter size")
        self.filter = filter
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.inputChannels = inputChannels
        self.depthMultiplier = depthMultiplier
        let oc = inputChannels * depthMultiplier
        self.bias = bias ?? [Float](repeating: 0, count: oc)
        precondition(self.bias.count == oc, "DepthwiseConv2D: bias \(self.bias.count) vs \(oc)")
        strideH = strides.0
        strideW = strides.1
        self.padding = padding
        self.activation = activation
    }


    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[3] == inputChannels, "DepthwiseConv2D: input \(x.shape)")
        let g = DepthwiseGeometry(inputShape: x.shape, kh: kernelHeight, kw: kernelWidth, sh: strideH, sw: strideW,
                                  padding: padding, multiplier: depthMultiplier)
        if depthMultiplier == 1 {
            return Tensor(shape: outputShape(for: x.shape)) { out in
                x.values.withUnsafeBufferPointer { xp in
                    filter.withUnsafeBufferPointer { wp in
                        bias.withUnsafeBufferPointer { bp in
                            DepthwiseKernel.run(g, x: xp.baseAddress!, filter: wp.baseAddress!, initial: bp.baseAddress!, hybrid: nil,
                                                activation: activation, out: out.baseAddress!)
                        }
                    }
                }
            }
        }
        return Tensor(shape: outputShape(for: x.shape)) { out in
            x.values.withUnsafeBufferPointer { xp in
                filter.withUnsafeBufferPointer { wp in
                    bias.withUnsafeBufferPointer { bp in
                        g.forEachOutput { n, oy, ox, o in
                            let dst = out.baseAddress! + o
                            for c in 0..<outputChannels { dst[c] = bp[c] }
                            g.forEachTap(n: n, oy: oy, ox: ox) { tap, src in
                                let w = wp.baseAddress! + tap * outputChannels
                                let xs = xp.baseAddress! + src
                                if depthMultiplier == 1 {
                                    for c in 0..<outputChannels { dst[c] += xs[c] * w[c] }
                                } else {
                                    for c in 0..<inputChannels {
                                        for d in 0..<depthMultiplier { dst[c * depthMultiplier + d] += xs[c] * w[c * depthMultiplier + d] }
                                    }
                                }
                            }
                            if activation == .relu { for c in 0..<outputChannels { dst[c] = Swift.max(dst[c], 0) } }
                            else if activation == .sigmoid { for c in 0..<outputChannels { dst[c] = Activation.sigmoid(dst[c]) } }
                        }
                    }
                }
            }
        }
    }
}

/// Output positions and in-bounds taps of a depthwise convolution (shared by the float and hybrid kernels).
struct DepthwiseGeometry {
    let n, h, w, c, oh, ow, pt, pl, kh, kw, sh, sw, multiplier: Int

    init(inputShape s: [Int], kh: Int, kw: Int, sh: Int, sw: Int, padding: Padding, multiplier: Int) {
        (n, h, w, c) = (s[0], s[1], s[2], s[3])
        (oh, pt) = padding.output(inputSize: h, kernel: kh, stride: sh)
        (ow, pl) = padding.output(inputSize: w, kernel: kw, stride: sw)
        (self.kh, self.kw, self.sh, self.sw, self.multiplier) = (kh, kw, sh, sw, multiplier)
    }

    /// Calls `body(n, oy, ox, outputOffset)` for every output position.
    @inline(__always)
    func forEachOutput(_ body: (Int, Int, Int, Int) -> Void) {
        let oc = c * multiplier
        for b in 0..<n {
            for y in 0..<oh {
                for x in 0..<ow { body(b, y, x, ((b * oh + y) * ow + x) * oc) }
            }
        }
    }

    /// Calls `body(tapIndex i·kw + j, inputOffset)` for the taps inside the input, in row-major order.
    @inline(__always)
    func forEachTap(n b: Int, oy: Int, ox: Int, _ body: (Int, Int) -> Void) {
        for i in 0..<kh {
            let iy = oy * sh - pt + i
            if iy < 0 || iy >= h { continue }
            for j in 0..<kw {
                let ix = ox * sw - pl + j
                if ix < 0 || ix >= w { continue }
                body(i * kw + j, ((b * h + iy) * w + ix) * c)
            }
        }
    }
}
