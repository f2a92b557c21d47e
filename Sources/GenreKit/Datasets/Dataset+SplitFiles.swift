import Foundation

extension Dataset {
    /// Applies published split lists: `folder` holds `train.txt`, `valid.txt` and/or `test.txt` (the
    /// `*_filtered.txt` names of the GTZAN fault-filtered split are accepted too), one audio path per line,
    /// relative to the dataset root (`blues/blues.00012.wav`). Blank lines and lines starting with `#` are skipped.
    ///
    /// Every listed file gets that split; files listed nowhere keep no split (the fault-filtered GTZAN split leaves
    /// out duplicates and mislabelled tracks), or are removed when `dropUnlisted` is true.
    ///
    /// - Parameter root: the folder the entries are relative to; default ``root``, else `folder`.
    /// - Throws: ``DatasetError/splitFilesNotFound(folder:)``, ``DatasetError/unknownSplitEntry(file:line:entry:root:)``,
    ///   ``DatasetError/duplicateSplitEntry(file:line:entry:)``.
    public func applyingSplitFiles(_ folder: String, root: String? = nil, dropUnlisted: Bool = false) throws -> Dataset {
        let folder = (folder as NSString).expandingTildeInPath
        let base = Dataset.resolve(root ?? self.root ?? folder, against: FileManager.default.currentDirectoryPath)
        var indexOfPath: [String: Int] = [:]
        for (i, item) in items.enumerated() { indexOfPath[Dataset.resolve(item.path, against: base)] = i }

        var assigned: [DatasetSplit?] = Array(repeating: nil, count: items.count)
        var foundAny = false
        for split in DatasetSplit.allCases {
            guard let file = Dataset.splitFile(in: folder, for: split) else { continue }
            foundAny = true
            let text = String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self)
            for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
                let entry = raw.trimmingCharacters(in: .whitespacesAndNewlines)
                if entry.isEmpty || entry.hasPrefix("#") { continue }
                guard let i = indexOfPath[Dataset.resolve(entry, against: base)] else {
                    throw DatasetError.unknownSplitEntry(file: file, line: n + 1, entry: entry, root: base)
                }
                guard assigned[i] == nil else { throw DatasetError.duplicateSplitEntry(file: file, line: n + 1, entry: entry) }
                assigned[i] = split
            }
        }
        guard foundAny else { throw DatasetError.splitFilesNotFound(folder: folder) }
        var out: [LabeledItem] = []
        for (item, split) in zip(items, assigned) where split != nil || !dropUnlisted {
            var copy = item
            copy.split = split
            out.append(copy)
        }
        return Dataset(items: out, root: self.root, multiLabel: isMultiLabel)
    }

    /// `folder/<split>.txt`, else `folder/<split>_filtered.txt` (and `validation` for `valid`), if present.
    static func splitFile(in folder: String, for split: DatasetSplit) -> String? {
        let stems = split == .valid ? ["valid", "validation", "val"] : [split.rawValue]
        for stem in stems {
            for name in ["\(stem).txt", "\(stem)_filtered.txt"] {
                let path = folder + "/" + name
                if FileManager.default.fileExists(atPath: path) && !isDirectory(path) { return path }
            }
        }
        return nil
    }
}
