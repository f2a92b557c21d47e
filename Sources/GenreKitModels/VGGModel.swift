import GenreKitDSP
import GenreKitNN

/// musicnn's VGG-like baseline (`models.vgg`), inference only.
///
/// Input `[n, 187, 96]` log-mel, clamped to `[0, inputMaximum]`, scalar batch norm, then five
/// blocks `conv 3×3 'same' (128 filters) → ReLU → BN → max pool ('valid')` with pools
/// (4,1)/stride (2,2), (2,2)/(2,2), (2,2)/(2,2), (2,2)/(2,2), (4,4)/(4,4), giving
/// `pool1 [92, 48]`, `pool2 [46, 24]`, `pool3 [23, 12]`, `pool4 [11, 6]`, `pool5 [2, 1]` × 128;
/// flatten (NHWC order) → dense → sigmoid.
public struct VGGModel: Sendable {
    public static let featureNames = ["pool1", "pool2", "pool3", "pool4", "pool5"]
    static let pools: [((Int, Int), (Int, Int))] = [((4, 1), (2, 2)), ((2, 2), (2, 2)), ((2, 2), (2, 2)),
                                                    ((2, 2), (2, 2)), ((4, 4), (4, 4))]

    public let architecture: ModelArchitecture
    /// Patches run through the network together.
    public var chunkSize: Int = 8
    /// The number format of the convolution and dense GEMMs (``InferencePrecision``; int8 scales each layer's
    /// activations by their largest magnitude in the chunk).
    public internal(set) var precision: InferencePrecision = .fp32

    let inputScale: Float
    let inputShift: Float
    let convs: [Conv2D]
    let bns: [BatchNorm]
    let dense: Dense

    public init(architecture: ModelArchitecture, weights: WeightSource) throws {
        precondition(architecture.kind == .vgg, "VGGModel: \(architecture.name) is not a vgg model")
        self.architecture = architecture
        var r = WeightReader(source: weights, model: architecture.name)
        let f = architecture.vggFilters
        let bnIn = try r.batchNorm(1)
        var convs: [Conv2D] = [], bns: [BatchNorm] = []
        for i in 1...5 {
            convs.append(try r.conv([3, 3, i == 1 ? 1 : f, f], scope: "\(i)CNN", padding: .same, activation: .relu))
            bns.append(try r.batchNorm(f))
        }
        var h = MusicnnInput.windowFrames, w = MusicnnInput.melBands
        for (p, s) in Self.pools {
            h = Padding.valid.output(inputSize: h, kernel: p.0, stride: s.0).size
            w = Padding.valid.output(inputSize: w, kernel: p.1, stride: s.1).size
        }
        dense = try r.dense(h * w * f, architecture.tags.count, activation: .identity)
        try r.checkAllUsed()
        inputScale = bnIn.scale[0]
        inputShift = bnIn.shift[0]
        self.convs = convs
        self.bns = bns
    }

    /// Runs `count` patches (`count × 187 × 96`, row-major) and returns the taggram and the
    /// requested `pool1`…`pool5` features (NHWC, with the patch axis first).
    public func predict(patches: [Float], count: Int, features: Set<String> = []) -> ModelOutput {
        let per = MusicnnInput.windowFrames * MusicnnInput.melBands
        precondition(count > 0 && patches.count == count * per,
                     "VGGModel.predict: expected \(count) × 187 × 96 values, got \(patches.count)")
        var parts: [ModelOutput] = []
        var start = 0
        while start < count {
            let n = min(max(chunkSize, 1), count - start)
            parts.append(forward(Array(patches[(start * per)..<((start + n) * per)]), count: n, features: features))
            start += n
        }
        return ModelOutput.joining(parts)
    }

    @_spi(Benchmarks) public func normalizedInput(_ x: [Float], count n: Int) -> Tensor {
        let hi = ModelArchitecture.inputMaximum, s = inputScale, t = inputShift
        return Tensor(shape: [n, MusicnnInput.windowFrames, MusicnnInput.melBands, 1]) { out in
            x.withUnsafeBufferPointer { src in
                for i in 0..<src.count { out[i] = min(max(src[i], 0), hi) * s + t }
            }
        }
    }

    /// Block `i` (0-based): conv → ReLU → BN → pool.
    @_spi(Benchmarks) public func block(_ i: Int, _ x: Tensor) -> Tensor {
        convs[i](x, followedBy: bns[i], precision: precision).maxPool2D(pool: Self.pools[i].0, strides: Self.pools[i].1)
    }

    func forward(_ x: [Float], count n: Int, features: Set<String>) -> ModelOutput {
        var h = normalizedInput(x, count: n)
        var out: [String: Tensor] = [:]
        for i in 0..<5 {
            h = block(i, h)
            let name = "pool\(i + 1)"
            if features.contains(name) { out[name] = h }
        }
        let taggram = dense(h.reshaped([n, -1]), precision: precision).sigmoid()
        return ModelOutput(taggram: taggram, features: out)
    }

    /// This model running its GEMMs in `precision`, or in fp32 where this CPU lacks the instructions (then `notice`
    /// is the one line to print).
    public func withPrecision(_ precision: InferencePrecision) -> (model: VGGModel, notice: String?) {
        let e = precision.effectiveHere
        var m = self
        m.precision = e.precision
        return (m, e.notice)
    }
}
