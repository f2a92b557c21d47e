/// Depthwise convolution with int8 per-channel weights and float activations quantized on the fly: TensorFlow Lite's
/// hybrid `DEPTHWISE_CONV_2D` (`DepthwiseConvHybridPerChannel`), reproduced bit for bit.
///
/// Each input image is quantized with ``DynamicQuantization/asymmetric(_:into:)`` (`q`, scale `s`, zero point `z`);
/// with int8 filter `W` and per-channel scales `w_o` (output channel `o = c·m + d`):
///
///     acc  = Σ_{i, j in bounds} W[i, j, o] · (q[n, oh·sh + i − pt, ow·sw + j − pl, c] − z)     (exact integer)
///     y[o] = act( (float32(acc) · w_o) · s + b[o] )
///
/// Padding contributes exactly zero (the tap is skipped), as in TensorFlow Lite.
public struct HybridDepthwiseConv2D: SlidingWindowLayer, Sendable {
    /// `[kh, kw, C·m]` int8 values, held as floats (every partial sum below is an integer of magnitude
    /// ≤ kh·kw·255·128 < 2²⁴ for kh·kw ≤ 513, so float32 accumulation is exact).
    public let filter: [Float]
    public let scales: [Float]
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

    public init(filter: [Int8], scales: [Float], kernelHeight: Int, kernelWidth: Int, inputChannels: Int, depthMultiplier: Int = 1,
                bias: [Float]?, strides: (Int, Int), padding: Padding, activation: Activation) {
        let oc = inputChannels * depthMultiplier
        precondition(filter.count == kernelHeight * kernelWidth * oc, "HybridDepthwiseConv2D: filter size")
        precondition(scales.count == oc || scales.count == 1, "HybridDepthwiseConv2D: \(scales.count) scales for \(oc) channels")
        precondition(kernelHeight * kernelWidth <= 513, "HybridDepthwiseConv2D: \(kernelHeight)×\(kernelWidth) taps too many for exact float accumulation")
        self.filter = filter.map(Float.init)
        self.scales = scales.count == oc ? scales : [Float](repeating: scales[0], count: oc)
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.inputChannels = inputChannels
        self.depthMultiplier = depthMultiplier
        self.bias = bias ?? [Float](repeating: 0, count: oc)
        precondition(self.bias.count == oc, "HybridDepthwiseConv2D: bias \(self.bias.count) vs \(oc)")
        strideH = strides.0
        strideW = strides.1
        self.padding = padding
        self.activation = activation
    }


    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[3] == inputChannels, "HybridDepthwiseConv2D: input \(x.shape)")
        let g = DepthwiseGeometry(inputShape: x.shape, kh: kernelHeight, kw: kernelWidth, sh: strideH, sw: strideW,
                                  padding: padding, multiplier: depthMultiplier)
        let perImage = x.shape[1] * x.shape[2] * x.shape[3]
        // Quantize each image, keeping q − z (an exact small integer) as a float.
        let q = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(x.count, 1))
        defer { q.deallocate() }
        var imageScale = [Float](repeating: 1, count: x.shape[0])
        x.values.withUnsafeBufferPointer { xp in
            for b in 0..<x.shape[0] {
                let dst = q + b * perImage
                let (s, z) = DynamicQuantization.asymmetric(UnsafeBufferPointer(rebasing: xp[(b * perImage)..<((b + 1) * perImage)]), into: dst)
                imageScale[b] = s
                let zf = Float(z)
                for i in 0..<perImage { dst[i] -= zf }
            }
        }
        let oc = outputChannels, m = depthMultiplier
        return Tensor(shape: outputShape(for: x.shape)) { out in
            filter.withUnsafeBufferPointer { wp in
                scales.withUnsafeBufferPointer { sp in
                    bias.withUnsafeBufferPointer { bp in
                        imageScale.withUnsafeBufferPointer { ip in
                            if m == 1 {
                                DepthwiseKernel.run(g, x: q, filter: wp.baseAddress!, initial: nil,
                                                    hybrid: .init(scales: sp.baseAddress!, imageScales: ip.baseAddress!, bias: bp.baseAddress!),
                                                    activation: activation, out: out.baseAddress!)
                                return
                            }
                            withUnsafeTemporaryAllocation(of: Float.self, capacity: oc) { acc in
                                g.forEachOutput { n, oy, ox, o in
                                    for c in 0..<oc { acc[c] = 0 }
                                    g.forEachTap(n: n, oy: oy, ox: ox) { tap, src in
                                        let w = wp.baseAddress! + tap * oc
                                        let xs = q + src
                                        for c in 0..<inputChannels {
                                            for d in 0..<m { acc[c * m + d] += xs[c] * w[c * m + d] }
                                        }
                                    }
                                    let s = ip[n]
                                    let dst = out.baseAddress! + o
                                    for c in 0..<oc {
                                        let v = (acc[c] * sp[c]) * s + bp[c]
                                        dst[c] = activation == .relu ? Swift.max(v, 0) : (activation == .identity ? v : Activation.sigmoid(v))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
