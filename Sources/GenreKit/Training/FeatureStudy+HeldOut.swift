import Foundation
import GenreKitLearning

extension FeatureStudy {
    /// The study with a separate test set instead of folds (e.g. train on one dataset, score on another): every
    /// specification trains once on all of `train`'s songs and is scored on all of `test`'s. Each score has one
    /// value (``Score/folds`` holds it alone, ``Score/std`` is 0), so the table formats are those of ``run(_:log:)``.
    ///
    /// `train` and `test` list the same specifications in the same order; `test`'s sets must use `train`'s label
    /// list (load them with `labelOrder`). Songs missing from any specification's set are left out of all, on each
    /// side, so every row sees the same songs.
    /// - Throws: ``StudyError`` when the two lists disagree or a side has no common songs; the trainer's errors.
    public func runHeldOut(train: [(spec: String, set: FeatureSet)], test: [(spec: String, set: FeatureSet)],
                           log: @escaping (String) -> Void = { _ in }) throws -> [Row] {
        guard train.map(\.spec) == test.map(\.spec) else { throw StudyError.specsDiffer }
        let trainIds = Self.commonIds(train.map(\.set)), testIds = Self.commonIds(test.map(\.set))
        guard !trainIds.isEmpty else { throw StudyError.noCommonSongs(side: "training") }
        guard !testIds.isEmpty else { throw StudyError.noCommonSongs(side: "test") }
        var rows: [Row] = []
        for ((spec, trainSet), (_, testSet)) in zip(train, test) {
            guard trainSet.labels == testSet.labels else { throw StudyError.labelsDiffer(spec: spec) }
            let trainItems = Self.items(trainSet, trainIds), testItems = Self.items(testSet, testIds)
            let model = try trainer.train(trainItems, labels: trainSet.labels, featureSpec: spec)
            let report = GenreModelRunner(model: model).evaluate(testItems, aggregation: trainer.defaultAggregation).song
            let row = Row(features: spec, dimensions: trainItems.first?.dimension ?? 0, accuracy: Score([report.accuracy]),
                          macroF1: Score([report.macro.f1]), rocAUC: Score([report.rocAUCMacro ?? .nan]),
                          prAUC: Score([report.averagePrecisionMacro ?? .nan]))
            log(String(format: "%@: accuracy %.3f on %d held-out songs (trained on %d)", spec, row.accuracy.mean, testItems.count, trainItems.count))
            rows.append(row)
        }
        return rows
    }

    /// Ids present in every set, in the first set's order.
    static func commonIds(_ sets: [FeatureSet]) -> [String] {
        guard let first = sets.first else { return [] }
        var common = Set(first.items.map(\.id))
        for s in sets.dropFirst() { common.formIntersection(s.items.map(\.id)) }
        return first.items.map(\.id).filter { common.contains($0) }
    }

    /// The items of `set` with these ids, in this order.
    static func items(_ set: FeatureSet, _ ids: [String]) -> [ItemFeatures] {
        let byId = Dictionary(set.items.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.map { byId[$0]! }
    }
}

/// Why a feature study cannot run as asked.
public enum StudyError: Error, Equatable, CustomStringConvertible {
    /// The training and test lists name different specifications.
    case specsDiffer
    /// No song has features under every specification on one side.
    case noCommonSongs(side: String)
    /// A test set's labels are not the training set's label list.
    case labelsDiffer(spec: String)

    public var description: String {
        switch self {
        case .specsDiffer: return "the training and test sets must be featurised with the same specifications, in the same order"
        case .noCommonSongs(let side): return "no \(side) song has features under every specification; check the data and the errors above"
        case .labelsDiffer(let s): return "\(s): the test set's labels differ from the training set's; load the test set with the training labels (labelOrder)"
        }
    }
}
