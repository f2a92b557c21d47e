import Foundation
import GRDB
import GenreKit

extension SQLiteCatalogStore {
    public func counts() async throws -> CatalogCounts {
        try checked { db in
            var c = CatalogCounts()
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) FROM gk_songs GROUP BY state") { c.add(state: row[0], count: row[1]) }
            return c
        }
    }

    public func workers() async throws -> [CatalogWorkerStats] {
        try checked { db in
            try Row.fetchAll(db, sql: "SELECT name, done, failed, first_seen, last_seen, busy_seconds FROM gk_workers ORDER BY last_seen DESC").map {
                CatalogWorkerStats(name: $0[0], done: $0[1], failed: $0[2], firstSeen: $0[3], lastSeen: $0[4], busySeconds: $0[5])
            }
        }
    }

    public func failures(limit: Int) async throws -> [CatalogFailure] {
        try checked { db in
            try Row.fetchAll(db, sql: "SELECT id, location, COALESCE(error, ''), attempts FROM gk_songs WHERE state = 3 ORDER BY id LIMIT ?",
                             arguments: [limit]).map { CatalogFailure(id: $0[0], location: $0[1], message: $0[2], attempts: $0[3]) }
        }
    }

    public func retry(_ scope: CatalogRetryScope) async throws -> Int {
        try checked { db in
            let states = scope == .failed ? "3" : "2, 3"
            try db.execute(sql: """
                UPDATE gk_songs SET state = 0, error = NULL, attempts = 0, lease_owner = NULL, lease_expires = NULL
                WHERE state IN (\(states))
                """)
            return db.changesCount
        }
    }

    public func exportChunk(after: Int64, limit: Int) async throws -> [CatalogExportRow] {
        try checked { db in
            let songs = try Row.fetchAll(db, sql: """
                SELECT id, location, labels, state, attempts, error FROM gk_songs WHERE id > ? ORDER BY id LIMIT ?
                """, arguments: [after, limit]).map(Self.song)
            guard let first = songs.first?.id, let last = songs.last?.id else { return [] }
            var rows = Dictionary(uniqueKeysWithValues: songs.map { ($0.id, CatalogExportRow(song: $0, features: [], tags: [:], predictions: [:])) })
            for r in try Row.fetchAll(db, sql: """
                SELECT song_id, spec_key, window_count, vector FROM gk_features WHERE song_id BETWEEN ? AND ? ORDER BY song_id, spec_key
                """, arguments: [first, last]) {
                let id: Int64 = r[0]
                guard let v = FloatBlob.floats(r[3] ?? Data()) else { throw CatalogError.corrupt(store: location, reason: "the vector of song \(id)") }
                rows[id]?.features.append(SongFeatures(spec: r[1], vector: v, windowCount: r[2]))
            }
            for r in try Row.fetchAll(db, sql: "SELECT song_id, model, tags FROM gk_tags WHERE song_id BETWEEN ? AND ?", arguments: [first, last]) {
                let id: Int64 = r[0], model: String = r[1], text: String = r[2]
                rows[id]?.tags[model] = CatalogJSON.decode([String: Float].self, text) ?? [:]
            }
            for r in try Row.fetchAll(db, sql: "SELECT song_id, model, label, probabilities FROM gk_predictions WHERE song_id BETWEEN ? AND ?",
                                      arguments: [first, last]) {
                let id: Int64 = r[0], model: String = r[1], text: String = r[3]
                rows[id]?.predictions[model] = SongPrediction(label: r[2], probabilities: CatalogJSON.decode([String: Double].self, text) ?? [:])
            }
            return songs.map { rows[$0.id]! }
        }
    }

    public func vectorChunk(spec: String, after: Int64, limit: Int) async throws -> CatalogVectorChunk {
        try read { db in
            var chunk = VectorChunkBuilder(limit: limit)
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT song_id, dimension, vector FROM gk_features WHERE spec_key = ? AND song_id > ? ORDER BY song_id LIMIT ?
                """, arguments: [spec, after, limit])
            while let r = try cursor.next() {
                let id: Int64 = r[0], d: Int = r[1]
                guard let blob = r.dataNoCopy(atIndex: 2), blob.withUnsafeBytes({ chunk.append(id: id, dimension: d, raw: $0) }) else {
                    throw CatalogError.corrupt(store: location, reason: "the \(spec) vector of song \(id) has \(d) values, others \(chunk.dimension)")
                }
            }
            return chunk.finish()
        }
    }

    public func song(id: Int64) async throws -> CatalogSongRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT id, location, labels, state, attempts, error FROM gk_songs WHERE id = ?", arguments: [id]).map(Self.song)
        }
    }

    public func song(location: String) async throws -> CatalogSongRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT id, location, labels, state, attempts, error FROM gk_songs WHERE location = ?",
                             arguments: [location]).map(Self.song)
        }
    }

    public func vector(songID: Int64, spec: String) async throws -> [Float]? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT vector FROM gk_features WHERE song_id = ? AND spec_key = ?", arguments: [songID, spec])
                .flatMap(FloatBlob.floats)
        }
    }

    public func songVectors(locations: [String], spec: String) async throws -> [String: StoredSongVector] {
        try read { db in
            var out: [String: StoredSongVector] = [:]
            for start in stride(from: 0, to: locations.count, by: 500) {
                let part = Array(locations[start..<min(start + 500, locations.count)])
                let marks = Array(repeating: "?", count: part.count).joined(separator: ",")
                for r in try Row.fetchAll(db, sql: """
                    SELECT s.location, f.window_count, f.vector FROM gk_songs s JOIN gk_features f ON f.song_id = s.id
                    WHERE f.spec_key = ? AND s.location IN (\(marks))
                    """, arguments: StatementArguments([spec] + part)) {
                    let location: String = r[0]
                    guard let v = FloatBlob.floats(r[2] ?? Data()) else {
                        throw CatalogError.corrupt(store: self.location, reason: "the \(spec) vector of \(location)")
                    }
                    out[location] = StoredSongVector(vector: v, windowCount: r[1])
                }
            }
            return out
        }
    }

    public func featureSpecs() async throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT DISTINCT spec_key FROM gk_features ORDER BY spec_key") }
    }

    public func close() async {}

    static func song(_ r: Row) -> CatalogSongRecord {
        CatalogSongRecord(id: r[0], location: r[1], labels: r[2], state: CatalogSongState(rawValue: r[3]) ?? .pending, attempts: r[4], error: r[5])
    }
}
