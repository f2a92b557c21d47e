import Foundation
import GenreKitLearning

/// A tagger's metrics on labelled songs: song scores are the mean of the window probabilities (or the song vector's
/// probabilities for a tagger trained on song vectors), decisions are scores at or above each tag's threshold.
public struct TaggingReport: Codable, Sendable {
    /// How window scores became song scores.
    public var aggregation: String
    public var song: MultiLabelReport
}

extension GenreModelRunner {
    /// Song-level multi-label metrics of a tagging model on `items` (their ``ItemFeatures/labelSet`` are the truth).
    /// - Throws: ``TaggingModelError/notATagger(_:)`` for a classification model.
    public func evaluateTags(_ items: [ItemFeatures]) throws -> TaggingReport {
        let tagger = try model.requireTagger()
        let scores = TagScoring(tagger: tagger, level: model.trainingLevel).songScores(items)
        let report = MultiLabelReport(indicators: items.indicators(labelCount: model.labels.count), scores: scores,
                                      thresholds: model.tagThresholds, tagNames: model.labels)
        return TaggingReport(aggregation: "mean", song: report)
    }
}
