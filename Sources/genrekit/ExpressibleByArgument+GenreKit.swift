import ArgumentParser
import GenreKit

// Options whose values are the library's enums are parsed as those enums, so an unknown value is refused with
// the list of valid ones instead of silently becoming a default.

extension ClassifierChoice: ExpressibleByArgument {}
extension GenreModel.TrainingLevel: ExpressibleByArgument {}
extension GenreModel.Task: ExpressibleByArgument {}
extension AggregationChoice: ExpressibleByArgument {}
extension TimePooling: ExpressibleByArgument {}
extension FineTuneStage: ExpressibleByArgument {}
extension FineTuneOptions.OptimizerChoice: ExpressibleByArgument {}
extension FineTuneOptions.ScheduleChoice: ExpressibleByArgument {}
extension FineTuneOptions.Balance: ExpressibleByArgument {}

/// `--class-weight none|balanced`.
extension ClassWeighting: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "none": self = .none
        case "balanced": self = .balanced
        default: return nil
        }
    }

    public static var allValueStrings: [String] { ["none", "balanced"] }

    public var defaultValueDescription: String {
        switch self {
        case .none: return "none"
        case .balanced: return "balanced"
        case .custom: return "custom"
        }
    }
}

/// `--aggregate vote|mean` where the aggregation is stored in a model as its default (thresholds are fitted later).
extension SongAggregation: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "vote": self = .vote
        case "mean": self = .mean
        default: return nil
        }
    }

    public static var allValueStrings: [String] { ["vote", "mean"] }

    public var defaultValueDescription: String {
        switch self {
        case .vote: return "vote"
        case .mean: return "mean"
        case .threshold: return "threshold"
        }
    }
}
