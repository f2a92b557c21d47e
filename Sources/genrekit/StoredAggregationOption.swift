import ArgumentParser
import GenreKit

/// `--aggregate` of `train` and `study`: the song aggregation stored in a model as its default (thresholds, the
/// third aggregation, are chosen when applying a model, with `evaluate`/`predict --aggregate threshold`).
enum StoredAggregationOption: String, ExpressibleByArgument, CaseIterable {
    case vote, mean, attention

    var aggregation: SongAggregation {
        switch self {
        case .vote: return .vote
        case .mean: return .mean
        case .attention: return .attention
        }
    }
}
