import Foundation

/// A labelled collection of audio files: what transfer learning trains and evaluates on.
///
/// Load one with ``loadFolder(_:extensions:)`` (`ROOT/<label>/<file>`), ``loadManifest(_:)`` (CSV/TSV), then
/// optionally give it splits with ``applyingSplitFiles(_:root:dropUnlisted:)`` or
/// ``stratifiedSplit(testFraction:seed:holdOut:)``, or cross-validation folds with ``stratifiedFolds(_:seed:)``.
public struct Dataset: Sendable, Hashable, Codable {
    /// The files, in a deterministic order (sorted for folders, manifest order for manifests).
    public let items: [LabeledItem]
    /// Every label used by some item, sorted (code-point order); a classifier's class index is a position here.
    public let labels: [String]
    /// True when some item has more than one label (tagging rather than single-label classification).
    public let isMultiLabel: Bool
    /// The folder relative split-file entries are resolved against (the dataset root, or the manifest's folder).
    public var root: String?

    /// Wraps `items`; `labels` and ``isMultiLabel`` are derived from them (`multiLabel` forces the latter).
    public init(items: [LabeledItem], root: String? = nil, multiLabel: Bool? = nil) {
        self.items = items
        self.labels = Set(items.flatMap(\.labels)).sorted()
        self.isMultiLabel = multiLabel ?? items.contains { $0.labels.count > 1 }
        self.root = root
    }

    /// Number of items.
    public var count: Int { items.count }

    /// Items carrying each label (a multi-label item counts once for each of its labels).
    public func classCounts() -> [String: Int] {
        var counts: [String: Int] = [:]
        for item in items { for l in Set(item.labels) { counts[l, default: 0] += 1 } }
        return counts
    }

    /// The items of one split, as a dataset with the same label list semantics (labels recomputed).
    public func subset(_ split: DatasetSplit) -> Dataset {
        Dataset(items: items.filter { $0.split == split }, root: root, multiLabel: isMultiLabel)
    }

    /// The items at `indices`, in that order.
    public func subset(indices: [Int]) -> Dataset {
        Dataset(items: indices.map { items[$0] }, root: root, multiLabel: isMultiLabel)
    }

    /// Label indices (into ``labels``) of every item's primary label: the targets of a single-label classifier.
    public func labelIndices() -> [Int] {
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        return items.map { index[$0.primaryLabel] ?? -1 }
    }

    /// 0/1 indicator rows, `items × labels`, row-major: the targets of a multi-label tagger.
    public func labelIndicators() -> [Float] {
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        var y = [Float](repeating: 0, count: items.count * labels.count)
        for (i, item) in items.enumerated() {
            for l in item.labels { if let j = index[l] { y[i * labels.count + j] = 1 } }
        }
        return y
    }
}
