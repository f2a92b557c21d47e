import Foundation

extension Dataset {
    /// Header names accepted for the manifest's path column (case-insensitive).
    public static let manifestPathColumns = ["path", "file", "filename", "filepath", "audio"]
    /// Header names accepted for the label column.
    public static let manifestLabelColumns = ["label", "labels", "genre", "genres", "tags", "class"]
    /// Header names accepted for the optional split column.
    public static let manifestSplitColumns = ["split", "set", "subset"]

    /// Loads a CSV or TSV manifest: a header line naming at least a path and a label column (`path,label[,split]`;
    /// other columns are ignored), then one row per file.
    ///
    /// - Delimiter: tab for `.tsv`/`.tab` files, comma for `.csv`, otherwise guessed from the header.
    /// - Fields may be double-quoted (RFC 4180: `"a, b"`, `"say ""hi"""`, line breaks inside quotes).
    /// - Labels: one or more, separated by `;` (`rock;live`), surrounding spaces trimmed, duplicates dropped.
    /// - Split: `train`, `valid`/`validation`/`val`/`dev`, `test`, or empty for none.
    /// - Relative paths are resolved against the manifest's folder (which becomes ``root``); absolute paths
    ///   and `~/…` are kept.
    ///
    /// The files are not opened; a missing audio file fails later, when its features are extracted.
    /// - Throws: ``DatasetError/manifestNotFound(path:)``, ``DatasetError/malformedManifest(path:line:reason:)``,
    ///   ``DatasetError/emptyDataset(path:reason:)``.
    public static func loadManifest(_ path: String) throws -> Dataset {
        let expanded = (path as NSString).expandingTildeInPath
        guard let data = FileManager.default.contents(atPath: expanded), !Dataset.isDirectory(expanded) else {
            throw DatasetError.manifestNotFound(path: path)
        }
        let bytes = [UInt8](data)
        let folder = URL(fileURLWithPath: expanded).standardizedFileURL.deletingLastPathComponent().path
        let parser = DelimitedText(delimiter: DelimitedText.guessDelimiter(path: expanded, bytes: bytes))

        var columns: (path: Int, label: Int, split: Int?)?
        var width = 0
        var items: [LabeledItem] = []
        do {
            try parser.forEachRecord(in: bytes) { line, fields in
                func fail(_ reason: String) -> DatasetError { .malformedManifest(path: path, line: line, reason: reason) }
                guard let cols = columns else {
                    columns = try manifestColumns(fields, fail: fail)
                    width = fields.count
                    return
                }
                guard fields.count == width else {
                    throw fail("\(fields.count) field\(fields.count == 1 ? "" : "s") where the header has \(width)")
                }
                let file = fields[cols.path].trimmingCharacters(in: .whitespaces)
                guard !file.isEmpty else { throw fail("empty path") }
                let labels = splitLabels(fields[cols.label])
                guard !labels.isEmpty else { throw fail("no label for \(file)") }
                var split: DatasetSplit?
                if let s = cols.split {
                    let name = fields[s].trimmingCharacters(in: .whitespaces)
                    if !name.isEmpty {
                        guard let parsed = DatasetSplit(name: name) else {
                            throw fail("unknown split '\(name)' (use train, valid or test)")
                        }
                        split = parsed
                    }
                }
                items.append(LabeledItem(path: resolve(file, against: folder), labels: labels, split: split))
            }
        } catch let failure as DelimitedText.Failure {
            throw DatasetError.malformedManifest(path: path, line: failure.line, reason: failure.description)
        }
        guard columns != nil else { throw DatasetError.emptyDataset(path: path, reason: "the manifest is empty") }
        guard !items.isEmpty else { throw DatasetError.emptyDataset(path: path, reason: "the manifest has a header but no rows") }
        return Dataset(items: items, root: folder)
    }

    /// Splits a label cell on `;`, trimming spaces, dropping empty parts and repeats (first occurrence kept).
    static func splitLabels(_ cell: String) -> [String] {
        var seen = Set<String>()
        return cell.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// An absolute, standardised path: `file` itself when absolute (or `~/…`), else `folder/file`.
    static func resolve(_ file: String, against folder: String) -> String {
        let expanded = (file as NSString).expandingTildeInPath
        let full = expanded.hasPrefix("/") ? expanded : folder + "/" + expanded
        return URL(fileURLWithPath: full).standardizedFileURL.path
    }

    private static func manifestColumns(_ header: [String], fail: (String) -> DatasetError) throws -> (path: Int, label: Int, split: Int?) {
        let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func find(_ accepted: [String]) -> Int? { names.firstIndex { accepted.contains($0) } }
        guard let p = find(manifestPathColumns), let l = find(manifestLabelColumns) else {
            let seen = header.map { "'\($0)'" }.joined(separator: ", ")
            throw fail("the header must name a path column and a label column; found \(seen)")
        }
        return (p, l, find(manifestSplitColumns))
    }
}
