import Foundation
import GenreKitLearning

/// Applies a trained ``GenreModel`` to item features: window (segment) predictions and song predictions.
public struct GenreModelRunner: Sendable {
    public let model: GenreModel

    public init(model: GenreModel) { self.model = model }

    /// The aggregation chosen (nil: the model's default), checked against the model.
    /// - Throws: ``RunnerError/noThresholds`` for `threshold` on a model without fitted thresholds.
    public func aggregation(_ choice: AggregationChoice?) throws -> SongAggregation {
        switch choice {
        case nil: return model.defaultAggregation
        case .vote: return .vote
        case .mean: return .mean
        case .threshold:
            guard let t = model.thresholds else { throw RunnerError.noThresholds }
            return .threshold(t)
        case .attention:
            guard model.attention != nil else { throw RunnerError.noAttention }
            return .attention
        }
    }

    /// The aggregation named as text (`vote`, `mean`, `threshold`; nil: the model's default).
    /// - Throws: ``RunnerError/unknownAggregation(_:)`` for another name, as ``aggregation(_:)`` otherwise.
    public func aggregation(named name: String?) throws -> SongAggregation {
        guard let name else { return try aggregation(nil) }
        guard let choice = AggregationChoice(rawValue: name) else { throw RunnerError.unknownAggregation(name) }
        return try aggregation(choice)
    }

    /// Window probabilities of one item, `windows × classes` (one row for song-level models or table rows).
    public func windowProbabilities(_ item: ItemFeatures) -> Matrix {
        windowPredictions(item).probabilities
    }

    /// Window probabilities and each window's class by the classifier's own decision rule (an SVM votes
    /// one-vs-one like scikit-learn's `SVC.predict`; the others take the most probable class).
    public func windowPredictions(_ item: ItemFeatures) -> (probabilities: Matrix, labels: [Int]) {
        let r = item.rows(model.trainingLevel)
        let x = Matrix(rows: r.count, cols: item.dimension, floats: r.values)
        return (model.classifier.predictProbabilities(x), model.classifier.predict(x))
    }

    /// The song-level prediction of one item.
    public func predictSong(_ item: ItemFeatures, aggregation: SongAggregation) -> (probabilities: [Double], label: Int, windows: Matrix, windowLabels: [Int]) {
        let (p, labels) = windowPredictions(item)
        let song = songPrediction(item, windows: p, windowLabels: labels, aggregation: aggregation)
        return (song.probabilities, song.label, p, labels)
    }

    /// The song prediction from its window predictions; ``SongAggregation/attention`` runs the model's attention
    /// head on the item's window features instead.
    public func songPrediction(_ item: ItemFeatures, windows p: Matrix, windowLabels: [Int],
                               aggregation: SongAggregation) -> (probabilities: [Double], label: Int) {
        if aggregation == .attention, let head = model.attention {
            let probs: [Double] = head.predict(item.windowMatrix).probabilities
            var best = 0
            for j in probs.indices where probs[j] > probs[best] { best = j }
            return (probs, best)
        }
        return aggregation.aggregate(p, windowLabels: windowLabels)
    }

    /// Each window's attention weight (summing to 1 over the song), or nil when the model has no attention head.
    public func attentionWeights(_ item: ItemFeatures) -> [Double]? {
        model.attention.map { $0.predict(item.windowMatrix).weights }
    }

    /// Segment-level and song-level reports on labelled items.
    public func evaluate(_ items: [ItemFeatures], aggregation: SongAggregation) -> EvaluationReport {
        let k = model.labels.count
        var segTruth: [Int] = [], segPred: [Int] = [], segProb: [Double] = []
        var songTruth: [Int] = [], songPred: [Int] = [], songProb: [Double] = []
        for item in items {
            let (p, pred) = windowPredictions(item)
            segTruth += [Int](repeating: item.label, count: p.rows); segPred += pred; segProb += p.values
            let song = songPrediction(item, windows: p, windowLabels: pred, aggregation: aggregation)
            songTruth.append(item.label); songPred.append(song.label)
            // Ranking metrics at song level use mean probabilities (vote shares are too coarse to rank).
            songProb += SongAggregation.mean.aggregate(p).probabilities
        }
        let segment = ClassificationReport(trueLabels: segTruth, predicted: segPred,
                                           probabilities: Matrix(rows: segTruth.count, cols: k, values: segProb), classCount: k, classNames: model.labels)
        let song = ClassificationReport(trueLabels: songTruth, predicted: songPred,
                                        probabilities: Matrix(rows: songTruth.count, cols: k, values: songProb), classCount: k, classNames: model.labels)
        return EvaluationReport(aggregation: aggregation.name, segment: segment, song: song)
    }
}

/// Metrics of a model on a labelled set, at segment (window) and song level.
public struct EvaluationReport: Codable, Sendable {
    public var aggregation: String
    public var segment: ClassificationReport
    public var song: ClassificationReport
}

public enum RunnerError: Error, CustomStringConvertible, Equatable {
    case noThresholds
    case unknownAggregation(String)
    case noAttention
    public var description: String {
        switch self {
        case .noThresholds: return "this model has no per-class thresholds: train it with validation songs (a 'valid' split or --valid-fraction) to use --aggregate threshold"
        case .unknownAggregation(let s): return "unknown aggregation '\(s)'; use vote, mean, threshold or attention"
        case .noAttention: return "this model has no attention head: train it with --aggregate attention to use --aggregate attention"
        }
    }
}

extension SongAggregation {
    /// Short name for reports.
    public var name: String {
        switch self {
        case .vote: return "vote"
        case .mean: return "mean"
        case .threshold: return "threshold"
        case .attention: return "attention"
        }
    }
}
