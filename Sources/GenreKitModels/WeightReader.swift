import GenreKitNN

/// Anything that can hand out named float32 weight tensors (a TensorFlow checkpoint, or a
/// dictionary in tests).
public protocol WeightSource {
    /// Shape and row-major values of the variable `name`.
    func weight(named name: String) throws -> (shape: [Int], values: [Float])
    /// Names of all model variables (optimizer slots excluded), used to detect leftovers.
    var weightNames: [String] { get }
}

extension Checkpoint: WeightSource {
    public func weight(named name: String) throws -> (shape: [Int], values: [Float]) {
        let t = try tensor(name)
        return (t.shape, t.values)
    }

    public var weightNames: [String] { variables.map(\.name) }
}

/// In-memory weights, keyed by variable name.
public struct DictionaryWeights: WeightSource, Sendable {
    public var tensors: [String: Tensor]
    public init(_ tensors: [String: Tensor]) { self.tensors = tensors }
    public func weight(named name: String) throws -> (shape: [Int], values: [Float]) {
        guard let t = tensors[name] else {
            throw ModelLoadError.missingVariable(model: "?", name: name, reason: "not in dictionary")
        }
        return (t.shape, t.values)
    }
    public var weightNames: [String] { Array(tensors.keys) }
}

/// Reads layers in graph-construction order, reproducing TensorFlow 1's automatic layer names
/// (`conv2d`, `conv2d_1`, …, `batch_normalization`, `batch_normalization_1`, …, `dense`, `dense_1`),
/// and checks every shape.
struct WeightReader {
    let source: WeightSource
    let model: String
    private var counters: [String: Int] = [:]
    private(set) var used: Set<String> = []

    init(source: WeightSource, model: String) {
        self.source = source
        self.model = model
    }

    /// `base`, `base_1`, `base_2`, … on successive calls.
    mutating func nextName(_ base: String) -> String {
        let n = counters[base, default: 0]
        counters[base] = n + 1
        return n == 0 ? base : "\(base)_\(n)"
    }

    mutating func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        let w: (shape: [Int], values: [Float])
        do { w = try source.weight(named: name) } catch {
            throw ModelLoadError.missingVariable(model: model, name: name, reason: "\(error)")
        }
        // Accept equal element layouts only: TF stores exactly the declared shape.
        guard w.shape == shape else {
            throw ModelLoadError.shapeMismatch(model: model, name: name, expected: shape, found: w.shape)
        }
        used.insert(name)
        return Tensor(shape: shape, values: w.values)
    }

    /// The next `conv2d*` layer (or `scope` when given, as VGG's `1CNN`…): kernel `[kh, kw, cin, cout]`, bias `[cout]`.
    mutating func conv(_ kernelShape: [Int], scope: String? = nil, padding: Padding, activation: Activation) throws -> Conv2D {
        let s = scope ?? nextName("conv2d")
        let k = try tensor(s + "/kernel", shape: kernelShape)
        let b = try tensor(s + "/bias", shape: [kernelShape[3]])
        return Conv2D(kernel: k, bias: b.values, padding: padding, activation: activation)
    }

    /// The next `batch_normalization*` layer over `channels` channels (ε = 1e-3).
    mutating func batchNorm(_ channels: Int) throws -> BatchNorm {
        let s = nextName("batch_normalization")
        let g = try tensor(s + "/gamma", shape: [channels])
        let b = try tensor(s + "/beta", shape: [channels])
        let m = try tensor(s + "/moving_mean", shape: [channels])
        let v = try tensor(s + "/moving_variance", shape: [channels])
        return BatchNorm(gamma: g.values, beta: b.values, mean: m.values, variance: v.values, epsilon: 1e-3)
    }

    /// The next `dense*` layer `[inputs, units]`.
    mutating func dense(_ inputs: Int, _ units: Int, activation: Activation) throws -> Dense {
        let s = nextName("dense")
        let w = try tensor(s + "/kernel", shape: [inputs, units])
        let b = try tensor(s + "/bias", shape: [units])
        return Dense(weight: w, bias: b.values, activation: activation)
    }

    /// Throws when the source holds model variables that were never read.
    func checkAllUsed() throws {
        let left = source.weightNames.filter { !used.contains($0) && !Checkpoint.isTrainingState($0, includingGlobalStep: true) }.sorted()
        if !left.isEmpty { throw ModelLoadError.unexpectedVariables(model: model, names: left) }
    }
}
