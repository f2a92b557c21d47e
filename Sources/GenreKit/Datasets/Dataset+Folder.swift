import Foundation

extension Dataset {
    /// File extensions (lower-case) ``loadFolder(_:extensions:)`` and ``audioFiles(at:)`` take as audio: the
    /// containers libsndfile reads, and those ``GenreKitAudio/AudioDecoder`` reads through FFmpeg (M4A/MP4 with AAC
    /// or ALAC, ADTS AAC, WMA, WavPack, APE, WebM/Matroska audio, Speex, MP2, AC-3, AMR, TTA).
    public static let audioExtensions: Set<String> = [
        "wav", "wave", "flac", "ogg", "oga", "opus", "mp3", "aif", "aiff", "aifc", "au", "snd", "caf", "w64", "rf64",
        "m4a", "m4b", "mp4", "aac", "wma", "wv", "ape", "webm", "mka", "spx", "mp2", "mpa", "ac3", "amr", "tta",
    ]

    /// Loads the folder layout `ROOT/<label>/<file>` (GTZAN, Create ML): every sub-folder of `root` is a class,
    /// and every audio file under it (sub-folders included) an item of that class.
    ///
    /// Hidden files and folders (names starting with `.`) and files whose extension is not in `extensions`
    /// (case-insensitive) are skipped; files directly in `root` are ignored. Items are sorted by label, then
    /// path, so the order is the same on every machine. Paths are absolute (`root` standardised).
    ///
    /// - Throws: ``DatasetError/rootNotFound(path:)``, ``DatasetError/emptyDataset(path:reason:)``.
    public static func loadFolder(_ root: String, extensions: Set<String> = audioExtensions) throws -> Dataset {
        let fm = FileManager.default
        let base = URL(fileURLWithPath: (root as NSString).expandingTildeInPath).standardizedFileURL.path
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: base, isDirectory: &isDir), isDir.boolValue else {
            throw DatasetError.rootNotFound(path: root)
        }
        let wanted = Set(extensions.map { $0.lowercased() })
        var items: [LabeledItem] = []
        for label in try visibleEntries(base) {
            let folder = base + "/" + label
            guard isDirectory(folder) else { continue }
            for file in try audioFiles(under: folder, extensions: wanted) {
                items.append(LabeledItem(path: file, label: label))
            }
        }
        guard !items.isEmpty else {
            let exts = wanted.sorted().joined(separator: " ")
            throw DatasetError.emptyDataset(path: root, reason: "expected ROOT/<label>/<file> with an audio extension (\(exts))")
        }
        return Dataset(items: items, root: base, multiLabel: false)
    }

    /// Non-hidden names in `folder`, sorted.
    static func visibleEntries(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Audio files under `folder`, depth first, each level sorted by name.
    private static func audioFiles(under folder: String, extensions: Set<String>) throws -> [String] {
        var out: [String] = []
        for name in try visibleEntries(folder) {
            let path = folder + "/" + name
            if isDirectory(path) {
                out += try audioFiles(under: path, extensions: extensions)
            } else if extensions.contains((name as NSString).pathExtension.lowercased()) {
                out.append(path)
            }
        }
        return out
    }
}
