import Foundation

/// YAMNet's 521 AudioSet class names (`yamnet_class_map.tsv`: `index`, `mid`, `display_name`, tab-separated, header
/// line) and the music genre / style classes among them.
public struct YAMNetClassMap: Sendable, Equatable {
    /// Display names by class index.
    public let names: [String]
    /// AudioSet machine ids (`/m/…`) by class index.
    public let mids: [String]

    /// The AudioSet ontology's "Music genre" subtree as YAMNet lists it: class 211 ("Pop music") through 260
    /// ("Independent music") — 50 genres and styles, from "Rock music" and "Jazz" to "Reggae" and "Carnatic music".
    public static let musicGenreRange = 211...260

    /// Parses the class map text.
    public init(text: String) throws {
        var names: [String] = [], mids: [String] = []
        for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() where n > 0 && !line.isEmpty {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard cells.count >= 3, Int(cells[0]) == names.count else {
                throw TFLiteError.malformed("class map line \(n + 1) is not '\(names.count)<TAB>mid<TAB>name'")
            }
            mids.append(String(cells[1]))
            names.append(String(cells[2...].joined(separator: "\t")))
        }
        guard names.count == YAMNetModel.classCount else {
            throw TFLiteError.malformed("class map has \(names.count) classes, YAMNet has \(YAMNetModel.classCount)")
        }
        self.names = names
        self.mids = mids
    }

    /// Reads `path`.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TFLiteError.unreadable(path: path, reason: "no such file")
        }
        try self.init(text: String(decoding: data, as: UTF8.self))
    }

    /// Indices of the music genre and style classes (``musicGenreRange``).
    public var musicGenreIndices: [Int] { Array(Self.musicGenreRange) }
}
