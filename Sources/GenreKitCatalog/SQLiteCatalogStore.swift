import Foundation
import GRDB
import GenreKit

/// The embedded catalog: one SQLite file (WAL journal), for workers on one machine.
///
/// SQLite has one writer at a time, so a claim is an `IMMEDIATE` transaction: the selection and the lease are
/// one atomic step, with the same outcome as PostgreSQL's `FOR UPDATE SKIP LOCKED` (no song is leased twice).
public final class SQLiteCatalogStore: CatalogStore {
    public let path: String
    public var location: String { "sqlite:" + path }
    let queue: DatabaseQueue

    /// Opens (creating if needed) the file at `path`.
    public init(path: String) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        var config = Configuration()
        config.busyMode = .timeout(60)   // other worker processes write too
        config.label = "GenreKit.Catalog"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            try queue.writeWithoutTransaction { db in
                _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
        } catch {
            throw CatalogError.unavailable(store: "sqlite:" + path, reason: "\(error)")
        }
    }

    /// Whether `path` is an existing SQLite file holding a catalog (its `gk_meta` table), read without writing.
    public static func isCatalogFile(_ path: String) -> Bool {
        let expanded = (path as NSString).expandingTildeInPath
        guard FileManager.default.fileExists(atPath: expanded) else { return false }
        var config = Configuration()
        config.readonly = true
        guard let db = try? DatabaseQueue(path: expanded, configuration: config) else { return false }
        return (try? db.read { try $0.tableExists("gk_meta") }) ?? false
    }

    /// Runs `body` in an immediate write transaction, mapping SQLite errors to ``CatalogError``.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            var out: T?
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    out = try body(db)
                    return .commit
                }
            }
            return out!
        } catch let e as CatalogError { throw e } catch {
            throw CatalogError.unavailable(store: location, reason: "\(error)")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch let e as CatalogError { throw e } catch {
            throw CatalogError.unavailable(store: location, reason: "\(error)")
        }
    }

    static var now: Double { Date().timeIntervalSince1970 }

    // MARK: Schema

    public func schemaVersion() async throws -> Int {
        try read { db in try Self.version(db) }
    }

    static func version(_ db: Database) throws -> Int {
        guard try db.tableExists("gk_meta") else { return 0 }
        return Int(try String.fetchOne(db, sql: "SELECT value FROM gk_meta WHERE key = 'schema_version'") ?? "0") ?? 0
    }

    public func migrate() async throws -> (from: Int, to: Int) {
        try write { db in
            let from = try Self.version(db)
            if from > CatalogSchema.version {
                throw CatalogError.newerSchema(store: location, found: from, supported: CatalogSchema.version)
            }
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS gk_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            for n in stride(from: from + 1, through: CatalogSchema.version, by: 1) {
                for sql in CatalogSchema.migration(n, .sqlite) { try db.execute(sql: sql) }
            }
            try db.execute(sql: "INSERT OR REPLACE INTO gk_meta (key, value) VALUES ('schema_version', ?)",
                           arguments: [String(CatalogSchema.version)])
            return (from, CatalogSchema.version)
        }
    }

    func checked<T>(_ body: (Database) throws -> T) throws -> T {
        try write { db in
            let v = try Self.version(db)
            if v == 0 { throw CatalogError.notInitialised(store: location) }
            if v > CatalogSchema.version { throw CatalogError.newerSchema(store: location, found: v, supported: CatalogSchema.version) }
            return try body(db)
        }
    }

    // MARK: Songs and queue

    public func add(_ songs: [CatalogSong]) async throws -> Int {
        try checked { db in
            let statement = try db.makeStatement(sql: """
                INSERT INTO gk_songs (location, size, mtime, labels) VALUES (?, ?, ?, ?)
                ON CONFLICT (location) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, labels = excluded.labels,
                    state = 0, error = NULL, lease_owner = NULL, lease_expires = NULL, attempts = 0
                WHERE gk_songs.size <> excluded.size OR gk_songs.mtime <> excluded.mtime OR gk_songs.labels <> excluded.labels
                """)
            var changed = 0
            for s in songs {
                try statement.execute(arguments: [s.location, s.size, s.mtime, s.labels])
                changed += db.changesCount
            }
            return changed
        }
    }

    public func claim(worker: String, limit: Int, leaseSeconds: Double) async throws -> [ClaimedSong] {
        try checked { db in
            let now = Self.now
            try db.execute(sql: """
                UPDATE gk_songs SET state = 3, error = ?, lease_owner = NULL, lease_expires = NULL
                WHERE state = 1 AND lease_expires < ? AND attempts >= ?
                """, arguments: [CatalogQueue.lostMessage(CatalogQueue.maximumAttempts), now, CatalogQueue.maximumAttempts])
            var ids = try Int64.fetchAll(db, sql: "SELECT id FROM gk_songs WHERE state = 1 AND lease_expires < ? ORDER BY lease_expires LIMIT ?",
                                         arguments: [now, limit])
            if ids.count < limit {
                ids += try Int64.fetchAll(db, sql: "SELECT id FROM gk_songs WHERE state = 0 ORDER BY id LIMIT ?", arguments: [limit - ids.count])
            }
            guard !ids.isEmpty else { return [] }
            let list = ids.map(String.init).joined(separator: ",")
            try db.execute(sql: "UPDATE gk_songs SET state = 1, lease_owner = ?, lease_expires = ?, attempts = attempts + 1 WHERE id IN (\(list))",
                           arguments: [worker, now + leaseSeconds])
            return try Row.fetchAll(db, sql: "SELECT id, location, attempts FROM gk_songs WHERE id IN (\(list)) ORDER BY id").map {
                ClaimedSong(id: $0[0], location: $0[1], attempts: $0[2])
            }
        }
    }

    public func renew(worker: String, ids: [Int64], leaseSeconds: Double) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try checked { db in
            try db.execute(sql: "UPDATE gk_songs SET lease_expires = ? WHERE state = 1 AND lease_owner = ? AND id IN (\(Self.list(ids)))",
                           arguments: [Self.now + leaseSeconds, worker])
            return db.changesCount
        }
    }

    public func complete(worker: String, results: [SongResult], failures: [SongFailure], busySeconds: Double) async throws {
        try checked { db in
            let now = Self.now
            let feature = try db.makeStatement(sql: """
                INSERT OR REPLACE INTO gk_features (song_id, spec_key, dimension, window_count, vector) VALUES (?, ?, ?, ?, ?)
                """)
            let tag = try db.makeStatement(sql: "INSERT OR REPLACE INTO gk_tags (song_id, model, tags) VALUES (?, ?, ?)")
            let prediction = try db.makeStatement(sql: "INSERT OR REPLACE INTO gk_predictions (song_id, model, label, probabilities) VALUES (?, ?, ?, ?)")
            let done = try db.makeStatement(sql: """
                UPDATE gk_songs SET state = 2, lease_owner = NULL, lease_expires = NULL, error = NULL, done_by = ?, done_at = ?
                WHERE id = ? AND state = 1 AND lease_owner = ?
                """)
            let failed = try db.makeStatement(sql: """
                UPDATE gk_songs SET state = 3, lease_owner = NULL, lease_expires = NULL, error = ?, done_by = ?, done_at = ?
                WHERE id = ? AND state = 1 AND lease_owner = ?
                """)
            for r in results {
                for f in r.features {
                    try feature.execute(arguments: [r.songID, f.spec, f.vector.count, f.windowCount, FloatBlob.data(f.vector)])
                }
                for (model, scores) in r.tags { try tag.execute(arguments: [r.songID, model, CatalogJSON.encode(scores)]) }
                for (model, p) in r.predictions {
                    try prediction.execute(arguments: [r.songID, model, p.label, CatalogJSON.encode(p.probabilities)])
                }
                try done.execute(arguments: [worker, now, r.songID, worker])
            }
            for f in failures { try failed.execute(arguments: [f.message, worker, now, f.songID, worker]) }
            try db.execute(sql: """
                INSERT INTO gk_workers (name, first_seen, last_seen, done, failed, busy_seconds) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET last_seen = excluded.last_seen, done = done + excluded.done,
                    failed = failed + excluded.failed, busy_seconds = busy_seconds + excluded.busy_seconds
                """, arguments: [worker, now - busySeconds, now, results.count, failures.count, busySeconds])
        }
    }

    public func release(worker: String, ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try checked { db in
            try db.execute(sql: """
                UPDATE gk_songs SET state = 0, lease_owner = NULL, lease_expires = NULL, attempts = MAX(attempts - 1, 0)
                WHERE state = 1 AND lease_owner = ? AND id IN (\(Self.list(ids)))
                """, arguments: [worker])
        }
    }

    static func list(_ ids: [Int64]) -> String { ids.map(String.init).joined(separator: ",") }
}

extension SQLiteCatalogStore {
    /// Records `version` as the schema version (tests: a store from a newer GenreKit).
    func setSchemaVersion(_ version: Int) throws {
        _ = try write { db in try db.execute(sql: "UPDATE gk_meta SET value = ? WHERE key = 'schema_version'", arguments: [String(version)]) }
    }
}
