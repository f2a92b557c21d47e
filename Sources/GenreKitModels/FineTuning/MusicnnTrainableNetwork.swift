import Foundation
import GenreKitCore
import GenreKitDSP
import GenreKitNN

/// A convolution whose kernel and bias are trained (TensorFlow variable scope `name`).
public struct TrainableConv: Sendable {
    public let name: String
    /// `[kh, kw, cin, cout]`.
    public var kernel: Tensor
    public var bias: [Float]
    public let padding: Padding

    /// The linear part `conv(x) + b`.
    var linear: Conv2D { Conv2D(kernel: kernel, bias: bias, padding: padding, activation: .identity) }
    /// `relu(conv(x) + b)`.
    var rectified: Conv2D { Conv2D(kernel: kernel, bias: bias, padding: padding, activation: .relu) }
}

/// A batch norm whose `γ`, `β` are trained and whose moving statistics follow the batches (scope `name`).
public struct TrainableBatchNorm: Sendable {
    public let name: String
    public var layer: BatchNormTraining
}

/// A dense layer whose kernel and bias are trained (scope `name`).
public struct TrainableDense: Sendable {
    public let name: String
    /// `[in, out]`.
    public var weight: Tensor
    public var bias: [Float]

    var linear: Dense { Dense(weight: weight, bias: bias, activation: .identity) }
}

/// A musicnn network prepared for fine-tuning (seed paper 003's CNN_MSD method): the pre-trained weights with a
/// new output layer for the user's classes (Glorot-uniform kernel, zero bias, seeded), trained from
/// ``FineTuneStage`` on. Unlike the inference ``MusicnnModel``, nothing is pruned or folded: every front-end
/// filter is kept so that all of them can learn.
///
/// Training-mode forward and backward passes are in `MusicnnTrainableNetwork+Training.swift`; the trained
/// variables go back into a checkpoint-named dictionary with ``trainedVariables()``, which on top of the base
/// checkpoint rebuilds an inference ``MusicnnModel``.
public struct MusicnnTrainableNetwork: Sendable {
    /// The pre-trained network this one starts from.
    public let base: ModelArchitecture
    public let stage: FineTuneStage
    /// The new output classes.
    public let labels: [String]
    /// Dropout rate before the penultimate and the output dense layers in training (musicnn's 0.5).
    public var dropoutRate: Float = 0.5
    /// Number format of the GEMMs of the training-mode passes (``forwardTraining(_:generator:)``, ``backward(_:logitsGradient:)``):
    /// fp32, or bf16 (operands rounded to bfloat16, float32 sums; the weights, batch-norm statistics and everything
    /// else stay float32). Inference-mode passes (validation) always run fp32. The caller checks the CPU
    /// (``InferencePrecision/effectiveHere``); int8 is not a training precision and runs fp32.
    public var gemmPrecision: InferencePrecision = .fp32 {
        didSet { if gemmPrecision == .int8 { gemmPrecision = .fp32 } }
    }

    let inputScale: Float
    let inputShift: Float
    /// `f74`, `f77`, `s1`, `s2`, `s3`.
    public internal(set) var front: [TrainableConv]
    public internal(set) var frontBN: [TrainableBatchNorm]
    /// The three mid-end convolutions, kernels `[7, C, 1, F]` as in the checkpoint.
    public internal(set) var mid: [TrainableConv]
    public internal(set) var midBN: [TrainableBatchNorm]
    public internal(set) var poolBN: TrainableBatchNorm
    public internal(set) var dense1: TrainableDense
    public internal(set) var dense1BN: TrainableBatchNorm
    public internal(set) var output: TrainableDense

    /// Reads `base`'s weights from `weights` (every shape checked) and draws the new output layer from `seed`.
    public init(base: ModelArchitecture, weights: WeightSource, labels: [String], stage: FineTuneStage, seed: UInt64) throws {
        precondition(labels.count >= 2, "MusicnnTrainableNetwork: \(labels.count) classes")
        try self.init(base: base, weights: weights, labels: labels, stage: stage, newOutputSeed: seed)
    }

    /// The whole network as published (or as fine-tuned: `architecture` retargeted to the fine-tuned classes,
    /// `weights` with the trained variables on top), its own output layer included, every part trainable
    /// (stage `all`). Used in inference mode for input gradients (``forwardForGradient(_:)``).
    public init(architecture: ModelArchitecture, weights: WeightSource) throws {
        try self.init(base: architecture, weights: weights, labels: architecture.tags, stage: .all, newOutputSeed: nil)
    }

    private init(base: ModelArchitecture, weights: WeightSource, labels: [String], stage: FineTuneStage, newOutputSeed: UInt64?) throws {
        guard base.kind == .musicnn else { throw ModelLoadError.notFineTunable(model: base.name) }
        self.base = base
        self.stage = stage
        self.labels = labels
        var r = WeightReader(source: weights, model: base.name)
        let mels = MusicnnInput.melBands
        let nf = Int(1.6 * 128), nt = Int(1.6 * 32)
        let fF = base.midendFilters, units = base.backendUnits
        let inputBN = try r.trainableBatchNorm(1)
        inputScale = inputBN.layer.inference.scale[0]
        inputShift = inputBN.layer.inference.shift[0]
        var front: [TrainableConv] = [], frontBN: [TrainableBatchNorm] = []
        for width in [Int(0.4 * Double(mels)), Int(0.7 * Double(mels))] {
            front.append(try r.trainableConv([7, width, 1, nf], padding: .valid))
            frontBN.append(try r.trainableBatchNorm(nf))
        }
        for k in [128, 64, 32] {
            front.append(try r.trainableConv([k, 1, 1, nt], padding: .same))
            frontBN.append(try r.trainableBatchNorm(nt))
        }
        let frontC = 2 * nf + 3 * nt
        var mid: [TrainableConv] = [], midBN: [TrainableBatchNorm] = []
        for c in [frontC, fF, fF] {
            mid.append(try r.trainableConv([7, c, 1, fF], padding: .valid))
            midBN.append(try r.trainableBatchNorm(fF))
        }
        let pooled = 2 * (frontC + 3 * fF)
        poolBN = try r.trainableBatchNorm(pooled)
        dense1 = try r.trainableDense(pooled, units)
        dense1BN = try r.trainableBatchNorm(units)
        let old = try r.trainableDense(units, base.tags.count)
        try r.checkAllUsed()
        self.front = front; self.frontBN = frontBN; self.mid = mid; self.midBN = midBN
        guard let seed = newOutputSeed else { output = old; return }
        var g = SeededGenerator(seed: seed)
        output = TrainableDense(name: old.name, weight: GlorotUniform.kernel(shape: [units, labels.count], generator: &g),
                                bias: [Float](repeating: 0, count: labels.count))
    }

    /// Channels of the front end (561) and of everything the back end pools (`561 + 3F`).
    public var frontendChannels: Int { front.reduce(0) { $0 + $1.kernel.shape[3] } }
    public var poolChannels: Int { frontendChannels + 3 * base.midendFilters }

    /// Shape of one item of the trained part's input: `[T, 96]` (all), `[T, 561]` (midend), `[2·(561 + 3F)]`
    /// (backend), `[units]` (head); `T` is the number of frames of a segment.
    public func itemShape(frames: Int) -> [Int] {
        switch stage {
        case .all: return [frames, MusicnnInput.melBands]
        case .midend: return [frames, frontendChannels]
        case .backend: return [2 * poolChannels]
        case .head: return [base.backendUnits]
        }
    }

    // MARK: Parameters

    /// The trained parameters in a fixed order (front end, mid end, back end, output; per layer kernel, bias,
    /// then batch norm `γ`, `β`), as the optimiser sees them.
    public var parameters: [Tensor] {
        var p: [Tensor] = []
        func conv(_ c: TrainableConv, _ bn: TrainableBatchNorm) {
            p += [c.kernel, Tensor(shape: [c.bias.count], values: c.bias),
                  Tensor(shape: [bn.layer.channels], values: bn.layer.gamma), Tensor(shape: [bn.layer.channels], values: bn.layer.beta)]
        }
        if stage.firstTrainedPart <= 0 { for i in front.indices { conv(front[i], frontBN[i]) } }
        if stage.firstTrainedPart <= 1 { for i in mid.indices { conv(mid[i], midBN[i]) } }
        if stage.firstTrainedPart <= 2 {
            p += [Tensor(shape: [poolBN.layer.channels], values: poolBN.layer.gamma), Tensor(shape: [poolBN.layer.channels], values: poolBN.layer.beta),
                  dense1.weight, Tensor(shape: [dense1.bias.count], values: dense1.bias),
                  Tensor(shape: [dense1BN.layer.channels], values: dense1BN.layer.gamma), Tensor(shape: [dense1BN.layer.channels], values: dense1BN.layer.beta)]
        }
        p += [output.weight, Tensor(shape: [output.bias.count], values: output.bias)]
        return p
    }

    /// Whether each parameter takes weight decay: kernels yes; biases and batch-norm `γ`, `β` no.
    public var weightDecayMask: [Bool] { parameters.map { $0.rank >= 2 } }

    /// Writes back parameters in the order of ``parameters``.
    public mutating func setParameters(_ p: [Tensor]) {
        var i = 0
        func next() -> Tensor { defer { i += 1 }; return p[i] }
        func conv(_ c: inout TrainableConv, _ bn: inout TrainableBatchNorm) {
            c.kernel = next(); c.bias = next().values; bn.layer.gamma = next().values; bn.layer.beta = next().values
        }
        if stage.firstTrainedPart <= 0 { for k in front.indices { conv(&front[k], &frontBN[k]) } }
        if stage.firstTrainedPart <= 1 { for k in mid.indices { conv(&mid[k], &midBN[k]) } }
        if stage.firstTrainedPart <= 2 {
            poolBN.layer.gamma = next().values; poolBN.layer.beta = next().values
            dense1.weight = next(); dense1.bias = next().values
            dense1BN.layer.gamma = next().values; dense1BN.layer.beta = next().values
        }
        output.weight = next(); output.bias = next().values
        precondition(i == p.count, "setParameters: \(p.count) tensors, expected \(i)")
    }

    /// Everything training changed, as checkpoint variables (`conv2d_5/kernel`, `batch_normalization_9/moving_mean`,
    /// …): with the base checkpoint underneath (``OverlayWeights``) they rebuild the fine-tuned network.
    public func trainedVariables() -> [String: Tensor] {
        var v: [String: Tensor] = [:]
        func conv(_ c: TrainableConv) {
            v[c.name + "/kernel"] = c.kernel
            v[c.name + "/bias"] = Tensor(shape: [c.bias.count], values: c.bias)
        }
        func bn(_ b: TrainableBatchNorm) {
            let c = b.layer.channels
            v[b.name + "/gamma"] = Tensor(shape: [c], values: b.layer.gamma)
            v[b.name + "/beta"] = Tensor(shape: [c], values: b.layer.beta)
            v[b.name + "/moving_mean"] = Tensor(shape: [c], values: b.layer.movingMean)
            v[b.name + "/moving_variance"] = Tensor(shape: [c], values: b.layer.movingVariance)
        }
        func dense(_ d: TrainableDense) {
            v[d.name + "/kernel"] = d.weight
            v[d.name + "/bias"] = Tensor(shape: [d.bias.count], values: d.bias)
        }
        if stage.firstTrainedPart <= 0 { front.forEach(conv); frontBN.forEach(bn) }
        if stage.firstTrainedPart <= 1 { mid.forEach(conv); midBN.forEach(bn) }
        if stage.firstTrainedPart <= 2 { bn(poolBN); dense(dense1); bn(dense1BN) }
        dense(output)
        return v
    }

    /// The architecture of the fine-tuned network: the base's, with the new classes and a softmax output.
    public func architecture(named name: String) -> ModelArchitecture {
        base.retargeted(name: name, tags: labels, outputActivation: .softmax)
    }
}

/// Variables of `overrides` in front of those of `base`: a fine-tuned network on top of its base checkpoint.
public struct OverlayWeights: WeightSource {
    public let base: WeightSource
    public let overrides: [String: Tensor]

    public init(base: WeightSource, overrides: [String: Tensor]) {
        self.base = base
        self.overrides = overrides
    }

    public func weight(named name: String) throws -> (shape: [Int], values: [Float]) {
        if let t = overrides[name] { return (t.shape, t.values) }
        return try base.weight(named: name)
    }

    public var weightNames: [String] { Array(Set(base.weightNames).union(overrides.keys)) }
}

extension WeightReader {
    /// The next `conv2d*` layer as trainable variables (linear part; activations are applied by the graph).
    mutating func trainableConv(_ kernelShape: [Int], padding: Padding) throws -> TrainableConv {
        let s = nextName("conv2d")
        let k = try tensor(s + "/kernel", shape: kernelShape)
        let b = try tensor(s + "/bias", shape: [kernelShape[3]])
        return TrainableConv(name: s, kernel: k, bias: b.values, padding: padding)
    }

    /// The next `batch_normalization*` layer with its moving statistics (TF's momentum 0.99, ε 1e-3).
    mutating func trainableBatchNorm(_ channels: Int) throws -> TrainableBatchNorm {
        let s = nextName("batch_normalization")
        let g = try tensor(s + "/gamma", shape: [channels]), b = try tensor(s + "/beta", shape: [channels])
        let m = try tensor(s + "/moving_mean", shape: [channels]), v = try tensor(s + "/moving_variance", shape: [channels])
        return TrainableBatchNorm(name: s, layer: BatchNormTraining(gamma: g.values, beta: b.values, movingMean: m.values,
                                                                    movingVariance: v.values))
    }

    /// The next `dense*` layer.
    mutating func trainableDense(_ inputs: Int, _ units: Int) throws -> TrainableDense {
        let s = nextName("dense")
        let w = try tensor(s + "/kernel", shape: [inputs, units])
        let b = try tensor(s + "/bias", shape: [units])
        return TrainableDense(name: s, weight: w, bias: b.values)
    }
}
