import Foundation
import GenreKitCore
import GenreKitDSP
import GenreKitLearning
import GenreKitModels
import GenreKitNN

/// Why a model cannot classify a stream.
public enum StreamError: Error, CustomStringConvertible, Equatable {
    case notANetworkModel(spec: String)
    case mixedWindows

    public var description: String {
        switch self {
        case .notANetworkModel(let s):
            return "cannot stream a model on '\(s)': streaming needs features from musicnn/VGG network layers (not descriptors or a feature table)"
        case .mixedWindows:
            return "cannot stream a model whose feature parts use different window lengths or hops; train it with one window setting"
        }
    }
}

/// Classifies one window's log-mel input as ``Tagger`` and ``GenreModelRunner`` do for a whole file: a published
/// network's taggram row, or a trained model's window probabilities (the spec's layers, pooled within the window,
/// then the classifier).
public struct StreamPredictor: Sendable {
    enum Kind: Sendable {
        case tagger(PretrainedModel)
        case model(GenreModel, parts: [(spec: FeatureSpec, model: PretrainedModel)])
    }

    let kind: Kind
    /// Class or tag names, in output order.
    public let labels: [String]
    /// The windows the model reads.
    public let patches: Patches

    /// A published network (`MSD_musicnn`, …): its taggram, back-to-back 3-s windows.
    public init(pretrained model: PretrainedModel) throws {
        kind = .tagger(model)
        labels = model.architecture.tags
        patches = try Patches.musicnn()
    }

    /// A trained model file's window predictions.
    /// - Throws: ``StreamError`` for descriptor or table features, or parts with different windows.
    public init(model: GenreModel, store: ModelStore = ModelStore()) throws {
        guard (try? model.featureSource.spec) != nil else { throw StreamError.notANetworkModel(spec: model.featureSpec) }
        try self.init(model: model, extractor: model.featureExtractor(store: store, cache: nil))
    }

    /// A trained model's window predictions on networks already loaded (`extractor`: the model's own feature
    /// extractor, e.g. a server's, whose networks are shared between requests).
    /// - Throws: ``StreamError`` for descriptor or table features, or parts with different windows.
    public init(model: GenreModel, extractor: CombinedFeatureExtractor) throws {
        guard let spec = try? model.featureSource.spec else { throw StreamError.notANetworkModel(spec: model.featureSpec) }
        var parts: [(spec: FeatureSpec, model: PretrainedModel)] = []
        var windows: Patches?
        for part in extractor.parts {
            guard let tagger = part.tagger else { throw StreamError.notANetworkModel(spec: spec.key) }
            if let w = windows, w.frameCount != tagger.patches.frameCount || w.hop != tagger.patches.hop { throw StreamError.mixedWindows }
            windows = tagger.patches
            parts.append((spec: part.spec, model: tagger.model))
        }
        guard let windows else { throw StreamError.notANetworkModel(spec: spec.key) }
        kind = .model(model, parts: parts)
        labels = model.labels
        patches = windows
    }

    /// The window's class probabilities (taggram row for a published network).
    ///
    /// Runs on the calling thread only (``BLASThreads/withSingleThread(_:)``, which limits oneDNN too), as
    /// ``Tagger`` does: one window is too small a product to gain from more threads, and a thread pool kept for it
    /// spins between windows that arrive every few seconds (a 30-minute stream used 71 s of CPU that way, against
    /// ~12 s on one thread).
    public func predict(_ window: StreamWindow) -> [Double] {
        BLASThreads.withSingleThread { predictOnThisThread(window) }
    }

    private func predictOnThisThread(_ window: StreamWindow) -> [Double] {
        switch kind {
        case .tagger(let m):
            return m.predict(patches: window.logMel, count: 1).taggram.values.map(Double.init)
        case .model(let model, let parts):
            var row: [Float] = []
            for (spec, net) in parts {
                let out = net.predict(patches: window.logMel, count: 1, features: Set(spec.layers).subtracting([FeatureSpec.outputLayer]))
                for layer in spec.layers {
                    if layer == FeatureSpec.outputLayer { row += out.taggram.values; continue }
                    let t = out.features[layer]!
                    row += t.rank > 2 ? spec.windowPooling.pool(t).values : t.values
                }
            }
            let features = WindowFeatures(matrix: Tensor(shape: [1, row.count], values: row), windowStarts: [window.startSeconds],
                                          windowSeconds: MusicnnInput.seconds(frames: patches.frameCount))
            let song = parts.count == 1 ? features.songVector(parts[0].spec.songPooling) : row
            let item = ItemFeatures(id: "stream", label: -1, windows: row, windowCount: 1, song: song)
            return GenreModelRunner(model: model).windowProbabilities(item).row(0)
        }
    }
}

/// The running song-level decision of a stream: majority vote of the windows' top classes, mean of their
/// probabilities, or an exponential moving average `e ← α·e + (1 − α)·p` (the first window sets `e = p`).
/// Constant memory whatever the stream's length.
public struct StreamAggregate: Sendable, Equatable {
    public enum Rule: Sendable, Equatable {
        case vote, mean
        case ema(Double)
    }

    public let rule: Rule
    private var state: [Double]
    private var windows = 0

    public init(rule: Rule, classes: Int) {
        self.rule = rule
        state = [Double](repeating: 0, count: classes)
    }

    /// Parses `vote`, `mean` or `ema:ALPHA` (`0 ≤ α < 1`).
    public init?(parsing text: String, classes: Int) {
        switch text {
        case "vote": self.init(rule: .vote, classes: classes)
        case "mean": self.init(rule: .mean, classes: classes)
        default:
            guard text.hasPrefix("ema:"), let a = Double(text.dropFirst(4)), a >= 0, a < 1 else { return nil }
            self.init(rule: .ema(a), classes: classes)
        }
    }

    public var name: String {
        switch rule {
        case .vote: return "vote"
        case .mean: return "mean"
        case .ema(let a): return "ema:\(a)"
        }
    }

    /// Adds a window's probabilities; returns the song's scores so far (vote shares, mean or EMA).
    public mutating func add(_ p: [Double]) -> [Double] {
        windows += 1
        switch rule {
        case .vote:
            var best = 0
            for j in p.indices where p[j] > p[best] { best = j }
            state[best] += 1
            return state.map { $0 / Double(windows) }
        case .mean:
            for j in p.indices { state[j] += p[j] }
            return state.map { $0 / Double(windows) }
        case .ema(let a):
            for j in p.indices { state[j] = windows == 1 ? p[j] : a * state[j] + (1 - a) * p[j] }
            return state
        }
    }
}
