import Foundation
import GenreKitLearning

/// Labelled item features loaded from a DATA argument: an audio folder (`ROOT/<label>/<file>`), a manifest
/// (`path,label[,split]`), or a table of precomputed features (CSV: id, label, numeric columns).
public struct FeatureSet: Sendable {
    /// Label names; item labels index into this list.
    public var labels: [String]
    public var items: [ItemFeatures]
    /// Split of each item (nil: none given).
    public var splits: [DatasetSplit?]
    /// Items that could not be read or featurised, with the reason (the rest went on).
    public var failures: [(path: String, reason: String)]

    public init(labels: [String], items: [ItemFeatures], splits: [DatasetSplit?], failures: [(path: String, reason: String)] = []) {
        self.labels = labels; self.items = items; self.splits = splits; self.failures = failures
    }

    /// Where the data comes from and how to read it.
    public struct Source: Sendable {
        public var data: String
        /// Read `data` as a feature table instead of audio.
        public var featureTable: Bool = false
        public var idColumn = "id"
        public var labelColumn = "label"
        /// Folder of split files (`train.txt`, `valid.txt`, `test.txt`).
        public var splitFiles: String?
        public init(data: String) { self.data = data }
    }

    /// True when some item has more than one label (tagging data).
    public var isMultiLabel: Bool { items.contains { $0.labelSet.count > 1 } }

    /// The indicator matrix of all items, `items × labels`.
    public var indicators: Matrix { items.indicators(labelCount: labels.count) }

    /// Items of one split (all items when `split` is nil).
    public func subset(_ split: DatasetSplit?) -> [ItemFeatures] {
        guard let split else { return items }
        return items.indices.filter { splits[$0] == split }.map { items[$0] }
    }

    /// Assigns a seeded stratified hold-out to items without a split: `testFraction` to test (0: none), then `validFraction`
    /// of the rest to valid (the same algorithm as ``Dataset/stratifiedSplit(testFraction:seed:holdOut:)``).
    public mutating func assignSplits(testFraction: Double, validFraction: Double, seed: UInt64) throws {
        guard splits.allSatisfy({ $0 == nil }) else { return }
        let ds = Dataset(items: items.map { LabeledItem(path: $0.id, label: labels[$0.label], split: nil) })
        splits = try ds.assigningHoldOut(testFraction: testFraction, validFraction: validFraction, seed: seed).items.map(\.split)
    }

    /// Loads and featurises `source`. For audio, `extractor` computes (or reads from its cache) the window features;
    /// `labelOrder` fixes the label list (a trained model's) — items with other labels are reported as failures.
    public static func load(_ source: Source, extractor: (any FeatureExtracting)?, labelOrder: [String]? = nil,
                            progress: (@Sendable (FeatureExtractor.Progress) -> Void)? = nil) throws -> FeatureSet {
        if source.featureTable {
            let table = try FeatureTable.read(csv: source.data, idColumn: source.idColumn, labelColumn: source.labelColumn)
            let labels = labelOrder ?? Array(Set(table.labels.flatMap { $0 })).sorted()
            let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
            var set = FeatureSet(labels: labels, items: [], splits: [], failures: [])
            let d = table.columnCount
            for r in 0..<table.rowCount {
                let known = table.labels[r].compactMap { index[$0] }
                guard let l = known.first else {
                    set.failures.append((table.ids[r], "label '\(table.labels[r].first ?? "")' is not one of the model's labels")); continue
                }
                let row = Array(table.values[r * d..<(r + 1) * d])
                set.items.append(ItemFeatures(id: table.ids[r], label: l, windows: row, windowCount: 1, song: row, labelSet: known))
                set.splits.append(nil)
            }
            return set
        }
        guard let extractor else { throw LearningError.invalidArgument("audio data needs a feature specification") }
        let dataset = try Dataset.load(source.data, splitFiles: source.splitFiles)
        let labels = labelOrder ?? dataset.labels
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        let results = extractor.extract(dataset.items, progress: progress)
        var set = FeatureSet(labels: labels, items: [], splits: [], failures: [])
        for (item, result) in zip(dataset.items, results) {
            switch result {
            case .failure(let e): set.failures.append((item.path, "\(e)"))
            case .success(let f):
                let known = item.labels.compactMap { index[$0] }
                guard let l = known.first else {
                    set.failures.append((item.path, "label '\(item.primaryLabel)' is not one of the model's labels")); continue
                }
                set.items.append(ItemFeatures(id: item.path, label: l, windows: f.windows.matrix.values,
                                              windowCount: f.windows.windowCount, song: f.song, windowStarts: f.windows.windowStarts,
                                              labelSet: known))
                set.splits.append(item.split)
            }
        }
        return set
    }
}
