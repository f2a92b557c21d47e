import GenreKitCore
import GenreKitNN

/// Weights for the musicnn graph drawn as TensorFlow 1 initialises an untrained `tf.layers` network: kernels
/// Glorot-uniform, `U(−l, l)` with `l = √(6 / (fan_in + fan_out))` (`fan_in = k_h·k_w·c_in`,
/// `fan_out = k_h·k_w·c_out`; for dense layers the input and output sizes), biases 0, batch norm the identity
/// (γ = 1, β = 0, moving mean 0, moving variance 1).
///
/// This is the "random weights" baseline of Choi et al. 2017: the same architecture without training, so that a
/// gain of the trained network over it is learned, not architectural. Each variable is drawn from its own
/// generator seeded by the seed and the variable's name, so the values do not depend on drawing order.
public enum RandomMusicnnWeights {
    /// The model name that selects this baseline (``PretrainedModel/load(_:store:pruneConstantFilters:)``).
    public static let modelName = "random_musicnn"

    /// The architecture: MSD_musicnn's shape (64 mid-end filters, 200 back-end units) and tag list.
    public static let architecture = ModelArchitecture(name: modelName, kind: .musicnn, tags: TagVocabulary.msd)

    /// Variable names and shapes of the musicnn graph with `midend` filters and `backend` units.
    public static func variableShapes(midend m: Int = 64, backend u: Int = 200) -> [(name: String, shape: [Int])] {
        var out: [(String, [Int])] = []
        let convs: [[Int]] = [[7, 38, 1, 204], [7, 67, 1, 204], [128, 1, 1, 51], [64, 1, 1, 51], [32, 1, 1, 51],
                              [7, 561, 1, m], [7, m, 1, m], [7, m, 1, m]]
        for (i, k) in convs.enumerated() {
            let name = i == 0 ? "conv2d" : "conv2d_\(i)"
            out.append(("\(name)/kernel", k)); out.append(("\(name)/bias", [k[3]]))
        }
        let pooled = 2 * (561 + 3 * m)
        out.append(("dense/kernel", [pooled, u])); out.append(("dense/bias", [u]))
        out.append(("dense_1/kernel", [u, 50])); out.append(("dense_1/bias", [50]))
        let bnSizes = [1, 204, 204, 51, 51, 51, m, m, m, pooled, u]
        for (i, c) in bnSizes.enumerated() {
            let name = i == 0 ? "batch_normalization" : "batch_normalization_\(i)"
            for v in ["beta", "gamma", "moving_mean", "moving_variance"] { out.append(("\(name)/\(v)", [c])) }
        }
        return out
    }

    /// Draws every variable for `seed`.
    public static func make(seed: UInt64 = 0, midend: Int = 64, backend: Int = 200) -> DictionaryWeights {
        var tensors: [String: Tensor] = [:]
        for (name, shape) in variableShapes(midend: midend, backend: backend) {
            let n = shape.reduce(1, *)
            var values = [Float](repeating: 0, count: n)
            if name.hasSuffix("/kernel") {
                var g = SeededGenerator(seed: seed ^ fnv1a(name))
                values = GlorotUniform.kernel(shape: shape, generator: &g).values
            } else if name.hasSuffix("/gamma") || name.hasSuffix("/moving_variance") {
                values = [Float](repeating: 1, count: n)
            }
            tensors[name] = Tensor(shape: shape, values: values)
        }
        return DictionaryWeights(tensors)
    }

    /// FNV-1a of the UTF-8 name: a stable per-variable seed offset.
    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
