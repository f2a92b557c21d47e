/// Fully connected layer (TensorFlow `layers.dense`): `y = act(x · W + b)`, optionally followed
/// by a batch norm, for `x` of shape `[batch, in]`, `W` `[in, out]`, `b` `[out]`.
/// One `cblas_sgemm` over the whole batch.
public struct Dense: Sendable, Equatable {
    /// `[in, out]`.
    public let weight: Tensor
    /// `[out]`.
    public let bias: [Float]
    public let activation: Activation

    public var inputUnits: Int { weight.shape[0] }
    public var outputUnits: Int { weight.shape[1] }

    public init(weight: Tensor, bias: [Float]? = nil, activation: Activation = .identity) {
        precondition(weight.rank == 2, "Dense: weight must be [in, out], got \(weight.shape)")
        let b = bias ?? [Float](repeating: 0, count: weight.shape[1])
        precondition(b.count == weight.shape[1], "Dense: bias \(b.count) vs \(weight.shape[1]) units")
        self.weight = weight
        self.bias = b
        self.activation = activation
    }

    /// `bn(act(x · W + b))` for `x` `[batch, in]` (any leading shape is flattened to rows).
    public func callAsFunction(_ x: Tensor, followedBy bn: BatchNorm? = nil) -> Tensor {
        precondition(x.rank >= 1 && x.shape.last == inputUnits, "Dense: input \(x.shape) vs weight \(weight.shape)")
        if let bn { precondition(bn.channels == outputUnits, "Dense: bn \(bn.channels) vs \(outputUnits)") }
        let rows = x.count / Swift.max(inputUnits, 1)
        let outShape = Array(x.shape.dropLast()) + [outputUnits]
        return Tensor(shape: outShape) { out in
            if out.isEmpty { return }
            if inputUnits == 0 {
                out.update(repeating: 0)
            } else {
                x.values.withUnsafeBufferPointer { a in
                    weight.values.withUnsafeBufferPointer { w in
                        GEMM.sgemm(m: rows, n: outputUnits, k: inputUnits, a: a.baseAddress!, lda: inputUnits,
                                   b: w.baseAddress!, ldb: outputUnits, c: out.baseAddress!, ldc: outputUnits)
                    }
                }
            }
            ChannelEpilogue.apply(out.baseAddress!, rows: rows, channels: outputUnits, bias: bias,
                                  activation: activation, bn: bn)
        }
    }
}
