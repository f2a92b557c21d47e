import Foundation

extension FeatureTable {
    /// Reads a CSV (or TSV: `.tsv` files, or a header with tabs and no commas) feature table.
    ///
    /// - Parameters:
    ///   - idColumn: header name of the id column.
    ///   - labelColumn: header name of the label column (labels separated by `;`); nil for unlabelled tables.
    ///   - featureColumns: the feature columns to read, in this order; nil takes every other column in header
    ///     order except those in `ignoring`.
    /// - Throws: ``FeatureTableError``: missing file or column, ragged row, or a non-numeric cell (with its line,
    ///   row and column). Cells parse as Swift `Float` does (`1`, `-2.5e-3`, `nan`, `inf`); spaces around a number
    ///   are allowed.
    public static func read(csv path: String, idColumn: String = "id", labelColumn: String? = "label",
                            featureColumns: [String]? = nil, ignoring: Set<String> = []) throws -> FeatureTable {
        let expanded = (path as NSString).expandingTildeInPath
        guard let data = FileManager.default.contents(atPath: expanded) else { throw FeatureTableError.fileNotFound(path: path) }
        let bytes = [UInt8](data)
        let parser = DelimitedText(delimiter: DelimitedText.guessDelimiter(path: expanded, bytes: bytes))

        var header: [String]?
        var featureIndex: [Int] = []
        var idIndex = 0, labelIndex: Int?
        var ids: [String] = [], labels: [[String]] = [], values: [Float] = []
        do {
            try parser.forEachRecord(in: bytes) { line, fields in
                guard let names = header else {
                    let names = fields.map { $0.trimmingCharacters(in: .whitespaces) }
                    var seen = Set<String>()
                    for n in names where !seen.insert(n).inserted { throw FeatureTableError.duplicateColumn(path: path, column: n) }
                    func index(_ c: String) throws -> Int {
                        guard let i = names.firstIndex(of: c) else {
                            throw FeatureTableError.missingColumn(path: path, column: c, available: names)
                        }
                        return i
                    }
                    idIndex = try index(idColumn)
                    labelIndex = try labelColumn.map(index)
                    if let featureColumns {
                        featureIndex = try featureColumns.map(index)
                    } else {
                        featureIndex = names.indices.filter { $0 != idIndex && $0 != labelIndex && !ignoring.contains(names[$0]) }
                    }
                    guard !featureIndex.isEmpty else { throw FeatureTableError.noFeatureColumns(path: path) }
                    header = names
                    return
                }
                guard fields.count == names.count else {
                    throw FeatureTableError.raggedRow(path: path, line: line, expected: names.count, found: fields.count)
                }
                for j in featureIndex {
                    let cell = fields[j]
                    guard let v = Float(cell) ?? Float(cell.trimmingCharacters(in: .whitespaces)) else {
                        throw FeatureTableError.nonNumeric(path: path, line: line, row: ids.count + 1, column: names[j], value: cell)
                    }
                    values.append(v)
                }
                ids.append(fields[idIndex])
                labels.append(labelIndex.map { Dataset.splitLabels(fields[$0]) } ?? [])
            }
        } catch let failure as DelimitedText.Failure {
            throw FeatureTableError.malformed(path: path, line: failure.line, reason: failure.description)
        }
        guard let names = header else { throw FeatureTableError.empty(path: path) }
        return FeatureTable(ids: ids, labels: labels, columns: featureIndex.map { names[$0] }, values: values,
                            idColumn: idColumn, labelColumn: labelColumn)
    }

    /// The table as CSV text: header `id[,label],columns…`, one line per row, labels joined with `;`, fields
    /// quoted when needed, values in shortest round-trip form.
    public func csvText() -> String {
        var out = ([idColumn] + (labelColumn.map { [$0] } ?? []) + columns).map { DelimitedText.escape($0) }.joined(separator: ",") + "\n"
        for i in 0..<rowCount {
            var cells = [DelimitedText.escape(ids[i])]
            if labelColumn != nil { cells.append(DelimitedText.escape(labels[i].joined(separator: ";"))) }
            for v in row(i) { cells.append(v.description) }
            out += cells.joined(separator: ",") + "\n"
        }
        return out
    }

    /// Writes ``csvText()`` to `path` (atomically).
    public func write(csv path: String) throws {
        try csvText().write(toFile: (path as NSString).expandingTildeInPath, atomically: true, encoding: .utf8)
    }
}
