/// The song-level aggregations a user can name (`--aggregate`); ``GenreModelRunner/aggregation(_:)`` turns one into a
/// ``SongAggregation`` for a model (`threshold` takes the model's fitted thresholds).
public enum AggregationChoice: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Majority vote of the windows (``SongAggregation/vote``).
    case vote
    /// Mean window probabilities (``SongAggregation/mean``).
    case mean
    /// Per-class thresholds fitted on validation songs (``SongAggregation/threshold(_:)``).
    case threshold
    /// Learned attention over window embeddings, trained on songs (``SongAggregation/attention``; the model must be
    /// trained with `--aggregate attention`).
    case attention

    public var description: String { rawValue }
}
