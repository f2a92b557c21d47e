import Foundation
import GenreKitLearning
import GenreKitModels
import GenreKitNN

/// A model seen as a function of one log-mel window: class `c`'s score `s_c(x)` for patches `x` `[n, T, 96]`, and,
/// where the model is differentiable, `∂s_c/∂x` through the network.
///
/// The score is the class's logit (pre-sigmoid/softmax output of a pre-trained or fine-tuned network; the
/// pre-softmax score of a logistic-regression or perceptron head, ``GenreKitLearning/AnyClassifier/logitGradient(_:class:)``,
/// reading the network's `max_pool`, `mean_pool`, `penultimate` or `taggram` layers); for kNN and SVM heads it is
/// the class probability (occlusion only).
public struct PatchScorer: Sendable {
    /// What reads the network's layers.
    public enum Head: Sendable {
        /// The network's own output layer (pre-trained tags, fine-tuned classes).
        case logits
        /// A classifier on the named layers of each window, concatenated in order.
        case classifier(AnyClassifier, layers: [String])
    }

    public static let explainableLayers = ["max_pool", "mean_pool", "penultimate", FeatureSpec.outputLayer]

    public let labels: [String]
    public let network: MusicnnTrainableNetwork
    public let head: Head
    /// The network as the feature extractor runs it (for classifier heads' forward scores).
    let model: PretrainedModel?

    /// `architecture`'s network from `weights`, read by `head`.
    public init(architecture: ModelArchitecture, weights: WeightSource, head: Head, labels: [String]) throws {
        network = try MusicnnTrainableNetwork(architecture: architecture, weights: weights)
        self.head = head
        self.labels = labels
        if case .classifier = head {
            model = try PretrainedModel(architecture: architecture, weights: weights)
        } else {
            model = nil
        }
    }

    /// A published network's tags (`MSD_musicnn`, `random_musicnn`, …).
    public static func pretrained(_ name: String, store: ModelStore = ModelStore()) throws -> PatchScorer {
        let (arch, weights) = try Self.publishedWeights(name, store: store)
        return try PatchScorer(architecture: arch, weights: weights, head: .logits, labels: arch.tags)
    }

    /// A trained model file: a fine-tuned network, or a classifier on one musicnn network's window layers.
    /// - Throws: ``ExplainError/notOnSpectrogram(spec:)`` for other features (descriptors, tables, several parts).
    public init(model: GenreModel, store: ModelStore = ModelStore()) throws {
        if let ft = model.network {
            let (arch, weights) = try ft.fineTunedWeights(labels: model.labels, store: store)
            try self.init(architecture: arch, weights: weights, head: .logits, labels: model.labels)
            return
        }
        guard let spec = try? model.featureSource.spec, spec.parts.count == 1, let part = spec.parts.first,
              let arch = part.architecture, arch.kind == .musicnn,
              part.layers.allSatisfy(Self.explainableLayers.contains) else {
            throw ExplainError.notOnSpectrogram(spec: model.featureSpec)
        }
        let (a, weights) = try Self.publishedWeights(arch.name, store: store)
        try self.init(architecture: a, weights: weights, head: .classifier(model.classifier, layers: part.layers), labels: model.labels)
    }

    static func publishedWeights(_ name: String, store: ModelStore) throws -> (ModelArchitecture, WeightSource) {
        if name == RandomMusicnnWeights.modelName { return (RandomMusicnnWeights.architecture, RandomMusicnnWeights.make()) }
        guard let arch = ModelArchitecture.named(name) else { throw ModelLoadError.unknownModel(name: name) }
        return (arch, try store.checkpoint(for: name))
    }

    /// The class index of `label` (nil: the first class).
    public func classIndex(_ label: String?) throws -> Int? {
        guard let label else { return nil }
        guard let i = labels.firstIndex(of: label) else { throw ExplainError.unknownClass(label, known: labels) }
        return i
    }

    /// Whether gradient methods apply.
    public var isDifferentiable: Bool {
        if case .classifier(let c, _) = head { return c.isDifferentiable }
        return true
    }

    /// The classifier's name, for messages.
    public var headName: String {
        guard case .classifier(let c, _) = head else { return "network" }
        return String(describing: type(of: c.base))
    }

    /// `s_c` of every patch (inference mode, the fused forward pass).
    public func score(_ patches: Tensor, class c: Int) -> [Double] {
        let n = patches.shape[0]
        switch head {
        case .logits:
            let logits = network.forwardInference(patches)
            let k = logits.shape[1]
            return (0..<n).map { Double(logits.values[$0 * k + c]) }
        case .classifier(let clf, let layers):
            let out = model!.predict(patches: patches.values, count: n, features: Set(layers).subtracting([FeatureSpec.outputLayer]))
            let x = Self.featureRows(layers: layers, count: n) { $0 == FeatureSpec.outputLayer ? out.taggram : out.features[$0]! }
            if let (logits, _) = clf.logitGradient(x, class: c) { return logits }
            let p = clf.predictProbabilities(x)
            return (0..<n).map { p[$0, c] }
        }
    }

    /// `s_c` and `∂s_c/∂x` `[n, T, 96]` for every patch, and Grad-CAM's maps `A` `[n, T, C]` with `∂s_c/∂A`.
    /// Precondition: ``isDifferentiable``.
    public func gradient(_ patches: Tensor, class c: Int) -> (scores: [Double], input: Tensor, maps: Tensor, mapGradient: Tensor) {
        let (v, tape) = network.forwardForGradient(patches)
        let n = patches.shape[0], k = v.logits.shape[1]
        var g = MusicnnLayerGradients()
        var scores: [Double]
        switch head {
        case .logits:
            var dl = Tensor(shape: [n, k])
            for r in 0..<n { dl.values[r * k + c] = 1 }
            g.logits = dl
            scores = (0..<n).map { Double(v.logits.values[$0 * k + c]) }
        case .classifier(let clf, let layers):
            let taggram = network.base.outputActivation == .softmax ? v.logits.softmax() : v.logits.sigmoid()
            let parts: [String: Tensor] = ["max_pool": v.maxPool, "mean_pool": v.meanPool, "penultimate": v.penultimate,
                                           FeatureSpec.outputLayer: taggram]
            let x = Self.featureRows(layers: layers, count: n) { parts[$0]! }
            guard let (logits, dx) = clf.logitGradient(x, class: c) else { preconditionFailure("gradient of a \(headName)") }
            scores = logits
            var offset = 0
            for layer in layers {
                let width = parts[layer]!.shape[1]
                var d = Tensor(shape: [n, width])
                for r in 0..<n { for j in 0..<width { d.values[r * width + j] = Float(dx[r, offset + j]) } }
                offset += width
                switch layer {
                case "max_pool": g.maxPool = g.maxPool.map { $0 + d } ?? d
                case "mean_pool": g.meanPool = g.meanPool.map { $0 + d } ?? d
                case "penultimate": g.penultimate = g.penultimate.map { $0 + d } ?? d
                default: g.logits = Self.activationBackward(taggram, d, softmax: network.base.outputActivation == .softmax)
                }
            }
        }
        let (dx, dmaps) = network.inputGradient(tape, g)
        return (scores, dx, v.maps, dmaps)
    }

    /// `s_c` of the network's first-order model at `point` (``GenreKitModels/MusicnnTrainableNetwork/forwardLinearised(_:around:)``:
    /// ReLU masks and max selections frozen there) for each patch of `patches` (`[n, T, 96]`, each the shape of
    /// `point`), through the head. Its exact gradient is ``gradient(_:class:)`` at `point`: the gradient check's reference.
    public func linearisedScore(_ patches: [Tensor], around point: Tensor, class c: Int) -> [Double] {
        let (_, tape) = network.forwardForGradient(point)
        return patches.map { x in
            let v = network.forwardLinearised(x, around: tape)
            switch head {
            case .logits:
                return Double(v.logits.values[c])
            case .classifier(let clf, let layers):
                let taggram = network.base.outputActivation == .softmax ? v.logits.softmax() : v.logits.sigmoid()
                let parts: [String: Tensor] = ["max_pool": v.maxPool, "mean_pool": v.meanPool, "penultimate": v.penultimate,
                                               FeatureSpec.outputLayer: taggram]
                let row = Self.featureRows(layers: layers, count: 1) { parts[$0]! }
                return clf.logitGradient(row, class: c).map { $0.logits[0] } ?? clf.predictProbabilities(row)[0, c]
            }
        }
    }

    /// Rows `[count, Σ widths]` of the layers side by side, as ``WindowFeatures`` stores them.
    static func featureRows(layers: [String], count n: Int, _ layer: (String) -> Tensor) -> Matrix {
        let parts = layers.map(layer)
        let d = parts.reduce(0) { $0 + $1.count / max(n, 1) }
        var m = Matrix(rows: n, cols: d)
        for r in 0..<n {
            var off = 0
            for p in parts {
                let w = p.count / max(n, 1)
                for j in 0..<w { m.values[r * d + off + j] = Double(p.values[r * w + j]) }
                off += w
            }
        }
        return m
    }

    /// `∂s/∂z` from `∂s/∂p` for `p = sigmoid(z)` (`p(1 − p)·g`) or `p = softmax(z)` (`p ⊙ (g − p·g)`), per row.
    static func activationBackward(_ p: Tensor, _ g: Tensor, softmax: Bool) -> Tensor {
        let n = p.shape[0], k = p.shape[1]
        var out = Tensor(shape: p.shape)
        for r in 0..<n {
            var dot: Float = 0
            if softmax { for j in 0..<k { dot += p.values[r * k + j] * g.values[r * k + j] } }
            for j in 0..<k {
                let pj = p.values[r * k + j], gj = g.values[r * k + j]
                out.values[r * k + j] = softmax ? pj * (gj - dot) : pj * (1 - pj) * gj
            }
        }
        return out
    }
}
