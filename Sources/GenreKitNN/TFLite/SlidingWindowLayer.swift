/// A layer that slides a `kernelHeight × kernelWidth` window over an NHWC input with strides and padding
/// (TensorFlow Lite's CONV_2D and DEPTHWISE_CONV_2D): what its output shape is follows from that alone.
public protocol SlidingWindowLayer {
    var kernelHeight: Int { get }
    var kernelWidth: Int { get }
    var strideH: Int { get }
    var strideW: Int { get }
    var padding: Padding { get }
    var outputChannels: Int { get }
}

extension SlidingWindowLayer {
    /// `[n, oh, ow, outputChannels]` for an input `[n, h, w, c]`, with `oh`, `ow` as TensorFlow pads (``Padding``).
    public func outputShape(for s: [Int]) -> [Int] {
        [s[0], padding.output(inputSize: s[1], kernel: kernelHeight, stride: strideH).size,
         padding.output(inputSize: s[2], kernel: kernelWidth, stride: strideW).size, outputChannels]
    }
}
