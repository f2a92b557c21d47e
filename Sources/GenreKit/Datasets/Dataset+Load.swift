import Foundation

extension Dataset {
    /// Loads `path` as its layout says: a folder is ``loadFolder(_:extensions:)`` (`ROOT/<label>/<file>`), a file
    /// ``loadManifest(_:)`` (CSV/TSV); with `splitFiles`, the folder's `train.txt`/`valid.txt`/`test.txt` then
    /// assign splits (``applyingSplitFiles(_:root:dropUnlisted:)``).
    /// - Throws: ``DatasetError/rootNotFound(path:)`` when nothing is at `path`, and the loaders' errors.
    public static func load(_ path: String, splitFiles: String? = nil) throws -> Dataset {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw DatasetError.rootNotFound(path: path) }
        let dataset = isDir.boolValue ? try loadFolder(path) : try loadManifest(path)
        return try splitFiles.map { try dataset.applyingSplitFiles($0) } ?? dataset
    }

    /// The audio files `path` names: a folder expands to the files below it (at any depth) whose extension is in
    /// ``audioExtensions`` and whose name does not start with `.`, sorted by path; anything else is itself.
    public static func audioFiles(at path: String) -> [String] {
        guard isDirectory(path) else { return [path] }
        let walker = FileManager.default.enumerator(atPath: path)
        var out: [String] = []
        while let f = walker?.nextObject() as? String {
            let ext = (f as NSString).pathExtension.lowercased()
            if audioExtensions.contains(ext) && !(f as NSString).lastPathComponent.hasPrefix(".") { out.append(path + "/" + f) }
        }
        return out.sorted()
    }
}
