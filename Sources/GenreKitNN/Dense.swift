/// Fully connected layer (TensorFlow `layers.dense`): `y = act(x · W + b)`, optionally followed
/// by a batch norm, for `x` of shape `[batch, in]`, `W` `[in, out]`, `b` `[out]`.
/// One GEMM over the whole batch (``WeightGEMM``, in the precision asked for).
public struct Dense: Sendable, Equatable {
    /// `[in, out]`.
    public let weight: Tensor
    /// `[out]`.
    public let bias: [Float]
    public let activation: Activation
    /// `W` as a GEMM operand, with its bf16/int8 forms made on first use.
    public let weights: GEMMWeights

    public var inputUnits: Int { weight.shape[0] }
    public var outputUnits: Int { weight.shape[1] }

    public init(weight: Tensor, bias: [Float]? = nil, activation: Activation = .identity) {
        precondition(weight.rank == 2, "Dense: weight must be [in, out], got \(weight.shape)")
        let b = bias ?? [Float](repeating: 0, count: weight.shape[1])
        precondition(b.count == weight.shape[1], "Dense: bias \(b.count) vs \(weight.shape[1]) units")
        self.weight = weight
        self.bias = b
        self.activation = activation
        weights = GEMMWeights(values: weight.values, k: weight.shape[0], n: weight.shape[1])
    }

    public static func == (a: Dense, b: Dense) -> Bool {
        a.weight == b.weight && a.bias == b.bias && a.activation == b.activation
    }

    /// `bn(act(x · W + b))` for `x` `[batch, in]` (any leading shape is flattened to rows), the GEMM in `precision`
    /// (int8: activations scaled by `activationScale`, or by `max |x| / 127` when `nil`).
    public func callAsFunction(_ x: Tensor, followedBy bn: BatchNorm? = nil,
                               precision: InferencePrecision = .fp32, activationScale: Float? = nil) -> Tensor {
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
                    WeightGEMM.run(m: rows, k: inputUnits, a: a.baseAddress!, lda: inputUnits, weights: weights,
                                   c: out.baseAddress!, ldc: outputUnits, precision: precision,
                                   activationScale: activationScale)
                }
            }
            ChannelEpilogue.apply(out.baseAddress!, rows: rows, channels: outputUnits, bias: bias,
                                  activation: activation, bn: bn)
        }
    }
}
