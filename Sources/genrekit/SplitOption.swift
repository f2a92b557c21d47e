import ArgumentParser
import GenreKit

/// `--split`: the songs of one split of the data (`test`, `train`, `valid`, or the names manifests use for them,
/// see ``DatasetSplit/init(name:)``) or `all` of them.
enum SplitOption: ExpressibleByArgument, CustomStringConvertible {
    case split(DatasetSplit)
    case all

    init?(argument: String) {
        if argument == "all" { self = .all } else if let s = DatasetSplit(name: argument) { self = .split(s) } else { return nil }
    }

    static var allValueStrings: [String] { DatasetSplit.allCases.map(\.rawValue) + ["all"] }

    /// The split, nil for `all`.
    var datasetSplit: DatasetSplit? {
        if case .split(let s) = self { return s }
        return nil
    }

    var description: String { datasetSplit?.rawValue ?? "all" }
    var defaultValueDescription: String { description }
}
