import Foundation
import GenreKitLearning

/// Precomputed features in a CSV table: one row per item with an id, its labels, and numeric feature columns.
///
/// ```
/// id,label,f0,f1,f2
/// blues.00000.wav,blues,0.12,-3.4,5e-2
/// a.mp3,rock;live,1,2,3
/// ```
/// Labels of a multi-label item are separated by `;`; an empty label cell means no label. Read with
/// ``read(csv:idColumn:labelColumn:featureColumns:ignoring:)``, write with ``write(csv:)``; values round-trip
/// exactly (shortest float32 text).
public struct FeatureTable: Sendable, Equatable {
    /// Row identifiers (file names or paths), one per row.
    public var ids: [String]
    /// Labels of each row (empty when the table has no label column or the cell is empty).
    public var labels: [[String]]
    /// Feature column names, in matrix column order.
    public var columns: [String]
    /// Row-major `ids.count × columns.count` feature values.
    public var values: [Float]
    /// Name of the id column (read from, and written to, the header).
    public var idColumn: String
    /// Name of the label column; nil for an unlabelled table.
    public var labelColumn: String?

    /// Wraps a table; `labels` must have one entry per id and `values` `ids.count × columns.count` elements.
    public init(ids: [String], labels: [[String]], columns: [String], values: [Float],
                idColumn: String = "id", labelColumn: String? = "label") {
        precondition(labels.count == ids.count, "FeatureTable: \(labels.count) label entries for \(ids.count) ids")
        precondition(values.count == ids.count * columns.count,
                     "FeatureTable: \(values.count) values for \(ids.count) rows × \(columns.count) columns")
        self.ids = ids
        self.labels = labels
        self.columns = columns
        self.values = values
        self.idColumn = idColumn
        self.labelColumn = labelColumn
    }

    /// Number of rows.
    public var rowCount: Int { ids.count }
    /// Number of feature columns.
    public var columnCount: Int { columns.count }

    /// Feature values of row `i`.
    public func row(_ i: Int) -> ArraySlice<Float> { values[i * columnCount..<(i + 1) * columnCount] }

    /// True when some row has more than one label.
    public var isMultiLabel: Bool { labels.contains { $0.count > 1 } }

    /// Every label used, sorted.
    public var labelSet: [String] { Set(labels.joined()).sorted() }

    /// The features as a float64 ``GenreKitLearning/Matrix`` for the classifiers.
    public var matrix: Matrix { Matrix(rows: rowCount, cols: columnCount, floats: values) }
}

/// Why a feature table could not be read. Messages name the file, the line and the column.
public enum FeatureTableError: Error, Equatable, Sendable, CustomStringConvertible {
    case fileNotFound(path: String)
    /// The file holds no header line.
    case empty(path: String)
    /// A column named by the caller is not in the header.
    case missingColumn(path: String, column: String, available: [String])
    /// Two header cells have the same name.
    case duplicateColumn(path: String, column: String)
    /// No feature column is left once the id and label columns are set aside.
    case noFeatureColumns(path: String)
    /// A row has a different number of cells than the header.
    case raggedRow(path: String, line: Int, expected: Int, found: Int)
    /// A feature cell is not a number.
    case nonNumeric(path: String, line: Int, row: Int, column: String, value: String)
    /// A quoting error.
    case malformed(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let p):
            return "feature table \(p) not found or unreadable; check the path"
        case .empty(let p):
            return "feature table \(p) is empty; expected a header line (id,label,feature columns…) and one row per item"
        case .missingColumn(let p, let c, let a):
            return "\(p): no column '\(c)' in the header (columns: \(a.prefix(8).joined(separator: ", "))\(a.count > 8 ? ", …" : "")); name the right column"
        case .duplicateColumn(let p, let c):
            return "\(p): column '\(c)' appears twice in the header; rename one"
        case .noFeatureColumns(let p):
            return "\(p): no feature columns besides the id and label columns"
        case .raggedRow(let p, let n, let e, let f):
            return "\(p) line \(n): \(f) cell\(f == 1 ? "" : "s") where the header has \(e); every row needs one cell per column"
        case .nonNumeric(let p, let n, let r, let c, let v):
            return "\(p) line \(n) (row \(r)), column '\(c)': '\(v)' is not a number; fix the cell or exclude the column"
        case .malformed(let p, let n, let r):
            return "\(p) line \(n): \(r)"
        }
    }
}
