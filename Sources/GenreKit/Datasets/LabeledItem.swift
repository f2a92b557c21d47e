/// Which part of an evaluation a labelled item belongs to.
public enum DatasetSplit: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case train
    case valid
    case test

    /// Reads a split name as manifests and split files write it: `train`/`training`, `valid`/`validation`/`val`/`dev`,
    /// `test`/`testing` (case-insensitive). Nil for anything else.
    public init?(name: String) {
        switch name.trimmingCharacters(in: .whitespaces).lowercased() {
        case "train", "training": self = .train
        case "valid", "validation", "val", "dev": self = .valid
        case "test", "testing": self = .test
        default: return nil
        }
    }

    public var description: String { rawValue }
}

/// One audio file with its labels (one for single-label genre data, several for tag data).
public struct LabeledItem: Sendable, Hashable, Codable {
    /// Path of the audio file (absolute when the dataset was loaded from a folder or a manifest).
    public var path: String
    /// The item's labels in the order given; the first is its primary label (used to stratify splits).
    public var labels: [String]
    /// Train/valid/test membership, when known.
    public var split: DatasetSplit?

    public init(path: String, labels: [String], split: DatasetSplit? = nil) {
        self.path = path
        self.labels = labels
        self.split = split
    }

    /// A single-label item.
    public init(path: String, label: String, split: DatasetSplit? = nil) {
        self.init(path: path, labels: [label], split: split)
    }

    /// The first label: the class of a single-label item, the stratum of a multi-label one.
    public var primaryLabel: String { labels.first ?? "" }
}
