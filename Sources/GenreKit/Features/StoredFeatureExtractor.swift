import Foundation
import GenreKitNN

/// Song vectors computed elsewhere and stored by file path: a catalog store (`--cache sqlite:PATH` or
/// `--cache postgres://…`). GenreKit reads them through this protocol only; the `genrekit` command opens the store
/// (GenreKitCatalog) and hands it in, so GenreKit does not depend on the catalog.
public protocol StoredSongVectors: Sendable {
    /// Where the vectors are, for messages.
    var location: String { get }
    /// The stored song vector of each of `paths` (absolute, standardised) under the feature spec key `specKey`,
    /// nil where none is stored; one result per path, in order.
    func songVectors(paths: [String], specKey: String) throws -> [StoredSongVector?]
}

/// One stored song vector: the spec's song pooling of the file's windows, and how many windows it pooled.
public struct StoredSongVector: Sendable, Equatable {
    public var vector: [Float]
    public var windowCount: Int
    public init(vector: [Float], windowCount: Int) {
        self.vector = vector
        self.windowCount = windowCount
    }
}

/// A file that has no stored vector (one line, says what to do).
public enum StoredFeatureError: Error, Equatable, CustomStringConvertible {
    case missing(path: String, store: String, specKey: String)

    public var description: String {
        switch self {
        case .missing(let path, let store, let spec):
            return "\(path): no \(spec) vector in \(store) (genrekit catalog add, then catalog work --features \(spec))"
        }
    }
}

/// Features read from a ``StoredSongVectors`` instead of computed: each file's result is its stored song vector,
/// which is also its only window row (as a feature table's rows), so learning from them is learning at song level.
/// A song vector equals the ``ExtractedFeatures/song`` the audio pipeline computes for the same spec, so a model
/// trained at song level from the store is the model trained at song level from the audio.
public struct StoredFeatureExtractor: FeatureExtracting {
    public let spec: CombinedFeatureSpec
    public let store: any StoredSongVectors

    public init(spec: CombinedFeatureSpec, store: any StoredSongVectors) {
        self.spec = spec
        self.store = store
    }

    /// The stored vector of every file (path made absolute), in input order; a file without one is a
    /// ``StoredFeatureError/missing(path:store:specKey:)`` failure; a store that cannot be read fails every file.
    public func extract(paths: [String], progress: (@Sendable (FeatureExtractor.Progress) -> Void)? = nil) -> [Result<ExtractedFeatures, Error>] {
        let key = spec.key
        let found: [StoredSongVector?]
        do { found = try store.songVectors(paths: paths.map(Self.absolute), specKey: key) } catch {
            return paths.map { _ in .failure(error) }
        }
        var done = FeatureExtractor.Progress(done: 0, total: paths.count, cached: 0, computed: 0, failed: 0)
        let out = zip(paths, found).map { path, stored -> Result<ExtractedFeatures, Error> in
            guard let stored else {
                done.failed += 1
                return .failure(StoredFeatureError.missing(path: path, store: store.location, specKey: key))
            }
            done.cached += 1
            let d = stored.vector.count
            let windows = WindowFeatures(matrix: Tensor(shape: [1, d], values: stored.vector), windowStarts: [0], windowSeconds: 0)
            return .success(ExtractedFeatures(path: path, contentHash: "", windows: windows, song: stored.vector, fromCache: true))
        }
        done.done = paths.count
        progress?(done)
        return out
    }

    /// `path` absolute and standardised, as `genrekit catalog add` stores locations.
    public static func absolute(_ path: String) -> String {
        if path.contains("://") { return path }
        let expanded = (path as NSString).expandingTildeInPath
        let full = expanded.hasPrefix("/") ? expanded : FileManager.default.currentDirectoryPath + "/" + expanded
        return URL(fileURLWithPath: full).standardizedFileURL.path
    }
}
