import Foundation
import GRDB
import GenreKitCore
import GenreKitNN

/// Per-window features of audio files, kept in a SQLite file so that each file goes through the network once
/// per ``FeatureSpec``.
///
/// Rows are keyed by (SHA-256 of the audio file's bytes, ``FeatureSpec/windowKey``): renaming or moving a file
/// keeps its features, changing its bytes makes it new. Each row holds the window matrix (float32, row-major),
/// the window starts and length; song vectors are pooled on read with the spec's ``FeatureSpec/songPooling``.
///
/// Default file: `$GENREKIT_CACHE/features.sqlite` when that variable is set, else
/// `~/.cache/genrekit/features.sqlite`. Schema version ``schemaVersion`` is recorded in the file
/// (`PRAGMA user_version`, with `PRAGMA application_id` = `GKFC`); a file of another application or version
/// is refused with ``FeatureCacheError/incompatible(path:reason:)``.
///
/// Thread-safe: every method may be called from several threads (accesses are serialised). Each
/// ``store(_:hash:spec:sourcePath:)`` is its own transaction, so an interrupted run keeps everything stored before it.
public final class FeatureCache: Sendable {
    /// The schema this GenreKit reads and writes.
    public static let schemaVersion = 1
    /// `PRAGMA application_id` of a GenreKit feature cache: "GKFC".
    public static let applicationID: Int32 = 0x474B_4643
    /// The environment variable naming the cache folder.
    public static let environmentVariable = "GENREKIT_CACHE"
    /// File name inside the cache folder.
    public static let fileName = "features.sqlite"

    /// The SQLite file.
    public let path: String
    private let queue: DatabaseQueue

    /// `$GENREKIT_CACHE/features.sqlite` (a leading `~` expanded), else `~/.cache/genrekit/features.sqlite`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        if let folder = environment[environmentVariable], !folder.isEmpty {
            let expanded = folder == "~" ? home : folder.hasPrefix("~/") ? home + folder.dropFirst(1) : folder
            return (expanded.hasSuffix("/") ? expanded : expanded + "/") + fileName
        }
        return home + "/.cache/genrekit/" + fileName
    }

    /// Opens (creating if needed) the cache at ``defaultPath(environment:)``.
    public convenience init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        try self.init(path: Self.defaultPath(environment: environment))
    }

    /// The cache at `path` when one is given (`--cache PATH`), else the default one (``defaultPath(environment:)``).
    public static func open(at path: String?) throws -> FeatureCache {
        try path.map { try FeatureCache(path: $0) } ?? FeatureCache()
    }

    /// Opens the cache at `path`, creating the file and its folder when missing.
    /// - Throws: ``FeatureCacheError``: the folder cannot be created, the file is not a SQLite database, or it is
    ///   not a GenreKit feature cache of schema version ``schemaVersion``.
    public init(path: String) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw FeatureCacheError.unavailable(path: path, reason: "cannot create \(folder): \(error.localizedDescription)")
            }
        }
        var config = Configuration()
        config.busyMode = .timeout(30)          // another process may be writing
        config.label = "GenreKit.FeatureCache"
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw Self.mapped(error, path: path)
        }
        try access { db in try Self.prepareSchema(db, path: path) }
    }

    // MARK: - Reading

    /// The cached features of the file with content hash `hash` under `spec`, or nil.
    public func windowFeatures(hash: String, spec: FeatureSpec) throws -> WindowFeatures? {
        try windowFeatures(hashes: [hash], spec: spec)[hash]
    }

    /// The cached features of every hash in `hashes` that has some, in one read.
    public func windowFeatures(hashes: [String], spec: FeatureSpec) throws -> [String: WindowFeatures] {
        let key = spec.windowKey
        return try access(write: false) { db in
            let statement = try db.cachedStatement(sql: """
                SELECT window_count, dimension, window_seconds, window_starts, matrix
                FROM window_features WHERE content_hash = ? AND spec_key = ?
                """)
            var out: [String: WindowFeatures] = [:]
            for hash in Set(hashes) {
                guard let row = try Row.fetchOne(statement, arguments: [hash, key]) else { continue }
                out[hash] = try self.decode(row, hash: hash)
            }
            return out
        }
    }

    /// Content hashes that have features under `spec`.
    public func cachedHashes(spec: FeatureSpec) throws -> Set<String> {
        try access(write: false) { db in
            Set(try String.fetchAll(db, sql: "SELECT content_hash FROM window_features WHERE spec_key = ?", arguments: [spec.windowKey]))
        }
    }

    /// Number of stored rows, for one spec or (nil) all.
    public func count(spec: FeatureSpec? = nil) throws -> Int {
        try access(write: false) { db in
            if let spec {
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM window_features WHERE spec_key = ?", arguments: [spec.windowKey]) ?? 0
            }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM window_features") ?? 0
        }
    }

    /// The distinct ``FeatureSpec/windowKey``s stored, sorted.
    public func specKeys() throws -> [String] {
        try access(write: false) { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT spec_key FROM window_features ORDER BY spec_key")
        }
    }

    // MARK: - Writing

    /// Stores (or replaces) the features of the file with content hash `hash`, in one transaction.
    /// `sourcePath` is recorded for information only.
    public func store(_ features: WindowFeatures, hash: String, spec: FeatureSpec, sourcePath: String = "") throws {
        let starts = FloatBlob.data(features.windowStarts)
        let matrix = FloatBlob.data(features.matrix.values)
        try access { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO window_features
                    (content_hash, spec_key, window_count, dimension, window_seconds, window_starts, matrix, source_path)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [hash, spec.windowKey, features.windowCount, features.dimension,
                                 features.windowSeconds, starts, matrix, sourcePath])
        }
    }

    /// Deletes the rows of `spec` (every spec's when nil); returns how many.
    @discardableResult
    public func remove(spec: FeatureSpec? = nil) throws -> Int {
        try access { db in
            if let spec {
                try db.execute(sql: "DELETE FROM window_features WHERE spec_key = ?", arguments: [spec.windowKey])
            } else {
                try db.execute(sql: "DELETE FROM window_features")
            }
            return db.changesCount
        }
    }

    // MARK: - Internals

    private func decode(_ row: Row, hash: String) throws -> WindowFeatures {
        let windows: Int = row[0], dimension: Int = row[1]
        let seconds: Double = row[2]
        let startsBlob: Data = row[3] ?? Data(), matrixBlob: Data = row[4] ?? Data()
        guard windows >= 0, dimension >= 0, let starts = FloatBlob.doubles(startsBlob), starts.count == windows,
              let values = FloatBlob.floats(matrixBlob), values.count == windows * dimension else {
            throw FeatureCacheError.corrupt(path: path, reason: "the row of \(hash.prefix(12))… has blobs that do not match \(windows) × \(dimension)")
        }
        return WindowFeatures(matrix: Tensor(shape: [windows, dimension], values: values), windowStarts: starts, windowSeconds: seconds)
    }

    /// Runs `body` in a write transaction (or a read), mapping SQLite errors to ``FeatureCacheError``.
    private func access<T>(write: Bool = true, _ body: (Database) throws -> T) throws -> T {
        do {
            return write ? try queue.write(body) : try queue.read(body)
        } catch let e as FeatureCacheError {
            throw e
        } catch {
            throw Self.mapped(error, path: path)
        }
    }

    private static func mapped(_ error: Error, path: String) -> FeatureCacheError {
        guard let db = error as? DatabaseError else { return .unavailable(path: path, reason: "\(error)") }
        let reason = db.message ?? "\(db.resultCode)"
        switch db.resultCode.primaryResultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT: return .corrupt(path: path, reason: reason)
        default: return .unavailable(path: path, reason: reason)
        }
    }

    /// Creates the version-1 schema in an empty file, or checks that an existing file is one.
    private static func prepareSchema(_ db: Database, path: String) throws {
        let appID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        let tables = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") ?? 0
        if appID == 0 && version == 0 && tables == 0 {
            try db.execute(sql: """
                CREATE TABLE window_features (
                    content_hash   TEXT    NOT NULL,  -- SHA-256 of the audio file's bytes, lower-case hex
                    spec_key       TEXT    NOT NULL,  -- FeatureSpec.windowKey
                    window_count   INTEGER NOT NULL,
                    dimension      INTEGER NOT NULL,
                    window_seconds REAL    NOT NULL,
                    window_starts  BLOB    NOT NULL,  -- float64 little-endian, window_count values
                    matrix         BLOB    NOT NULL,  -- float32 little-endian, window_count × dimension, row-major
                    source_path    TEXT    NOT NULL,  -- the file the row was computed from (information only)
                    created_at     TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    PRIMARY KEY (content_hash, spec_key)
                ) WITHOUT ROWID;
                PRAGMA application_id = \(applicationID);
                PRAGMA user_version = \(schemaVersion);
                """)
            return
        }
        guard appID == applicationID else {
            throw FeatureCacheError.incompatible(path: path, reason: "it is a SQLite database of another application")
        }
        guard version == schemaVersion else {
            let newer = version > schemaVersion ? "a newer" : "an older"
            throw FeatureCacheError.incompatible(path: path, reason: "it was written by \(newer) GenreKit (schema \(version); this one reads \(schemaVersion))")
        }
        guard try db.tableExists("window_features") else {
            throw FeatureCacheError.incompatible(path: path, reason: "its window_features table is missing")
        }
        let columns = try db.columns(in: "window_features").map(\.name)
        let expected = ["content_hash", "spec_key", "window_count", "dimension", "window_seconds", "window_starts", "matrix", "source_path", "created_at"]
        guard columns == expected else {
            throw FeatureCacheError.incompatible(path: path, reason: "its window_features table does not have the schema-\(schemaVersion) columns")
        }
    }
}
