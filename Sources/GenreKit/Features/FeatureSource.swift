/// Where a model's rows come from: audio files through a feature specification, or a table of precomputed features.
///
/// A model file stores it as its canonical text under `featureSpec` (``key``): a specification's key such as
/// `MSD_musicnn:max_pool`, or `table:<label column>`; files written before this type existed read the same way.
public enum FeatureSource: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Features computed from audio with this specification.
    case audio(CombinedFeatureSpec)
    /// Rows of a feature table (`--feature-table`), labelled by this column.
    case table(labelColumn: String)

    /// The text prefix of ``table(labelColumn:)``.
    public static let tablePrefix = "table:"

    /// Parses ``key`` text: `table:<column>` or a (combined) feature specification.
    /// - Throws: ``FeatureSpecError`` when the text is neither.
    public init(parsing text: String) throws {
        if text.hasPrefix(Self.tablePrefix) {
            self = .table(labelColumn: String(text.dropFirst(Self.tablePrefix.count)))
        } else {
            self = .audio(try CombinedFeatureSpec(parsing: text))
        }
    }

    /// The canonical text, as stored in model files.
    public var key: String {
        switch self {
        case .audio(let spec): return spec.key
        case .table(let column): return Self.tablePrefix + column
        }
    }

    /// The feature specification, nil for a feature table.
    public var spec: CombinedFeatureSpec? {
        if case .audio(let spec) = self { return spec }
        return nil
    }

    /// Whether the rows came from a feature table (no audio involved).
    public var isTable: Bool { spec == nil }

    public var description: String { key }

    public init(from decoder: Decoder) throws {
        self = try FeatureSource(parsing: decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(key)
    }
}
