import GenreKitLearning

/// What a trained model made of one labelled song: its song-level decision and every window's probabilities.
public struct SongOutcome: Codable, Sendable {
    /// Path or id of the song.
    public var id: String
    /// Index of the true class.
    public var trueLabel: Int
    /// Index of the predicted class (by the evaluation's aggregation).
    public var predicted: Int
    /// Song-level class probabilities (mean of the windows' probabilities: what ranking metrics use).
    public var probabilities: [Double]
    /// `windows × classes` probabilities, one row per window.
    public var windowProbabilities: [[Double]]
    /// Window start times in seconds (empty for feature-table rows).
    public var windowStarts: [Double]

    public init(id: String, trueLabel: Int, predicted: Int, probabilities: [Double], windowProbabilities: [[Double]],
                windowStarts: [Double] = []) {
        self.id = id
        self.trueLabel = trueLabel
        self.predicted = predicted
        self.probabilities = probabilities
        self.windowProbabilities = windowProbabilities
        self.windowStarts = windowStarts
    }

    public var isCorrect: Bool { trueLabel == predicted }

    /// The `k` most probable classes, most probable first: `(class, probability)`.
    public func top(_ k: Int) -> [(label: Int, probability: Double)] {
        probabilities.enumerated().sorted { $0.element > $1.element || ($0.element == $1.element && $0.offset < $1.offset) }
            .prefix(k).map { ($0.offset, $0.element) }
    }
}

extension GenreModelRunner {
    /// Every song's outcome under `aggregation` (the per-song view behind ``evaluate(_:aggregation:)``).
    public func outcomes(_ items: [ItemFeatures], aggregation: SongAggregation) -> [SongOutcome] {
        items.map { item in
            let (p, labels) = windowPredictions(item)
            let song = songPrediction(item, windows: p, windowLabels: labels, aggregation: aggregation)
            let rows = (0..<p.rows).map { r in (0..<p.cols).map { p[r, $0] } }
            return SongOutcome(id: item.id, trueLabel: item.label, predicted: song.label,
                               probabilities: SongAggregation.mean.aggregate(p).probabilities,
                               windowProbabilities: rows, windowStarts: item.windowStarts)
        }
    }
}
