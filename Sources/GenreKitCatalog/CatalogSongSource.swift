import Foundation
import GenreKit

/// The songs `catalog add` registers: the audio files under a folder, the rows of a manifest (CSV/TSV with
/// labels, ``Dataset/loadManifest(_:)``), or lines of text (`-`: one path or URL per line, optionally followed by a
/// tab and `;`-separated labels). Paths are made absolute; size and mtime come from the file system (0 for a
/// URL-like location or a missing file, which `work` then marks failed).
public enum CatalogSongSource {
    /// The songs at `input` (a folder or a manifest).
    public static func songs(at input: String) throws -> [CatalogSong] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDir) else {
            throw CatalogError.unreadableInput(path: input, reason: "no such file or folder")
        }
        if isDir.boolValue {
            let root = absolute(input)
            return Dataset.audioFiles(at: root).map { song(location: $0, labels: "") }
        }
        let dataset: Dataset
        do { dataset = try Dataset.loadManifest(input) } catch {
            throw CatalogError.unreadableInput(path: input, reason: "\(error)")
        }
        return dataset.items.map { song(location: absolute($0.path), labels: $0.labels.joined(separator: ";")) }
    }

    /// The songs named by `lines` (`PATH[<tab>LABELS]`); blank lines and lines starting with `#` are skipped.
    public static func songs(lines: some Sequence<String>) -> [CatalogSong] {
        lines.compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
            let parts = trimmed.split(separator: "\t", maxSplits: 1).map(String.init)
            let location = parts[0].contains("://") ? parts[0] : absolute(parts[0])
            return song(location: location, labels: parts.count > 1 ? parts[1] : "")
        }
    }

    /// One song with its file's size and modification time.
    public static func song(location: String, labels: String) -> CatalogSong {
        var st = stat()
        guard !location.contains("://"), stat(location, &st) == 0 else { return CatalogSong(location: location, labels: labels) }
        let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        return CatalogSong(location: location, size: Int64(st.st_size), mtime: mtime, labels: labels)
    }

    static func absolute(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let full = expanded.hasPrefix("/") ? expanded : FileManager.default.currentDirectoryPath + "/" + expanded
        return URL(fileURLWithPath: full).standardizedFileURL.path
    }
}
