import Foundation
import GenreKit
import PostgresNIO

extension PostgresCatalogStore {
    public func counts() async throws -> CatalogCounts {
        try await transaction { conn in
            try await self.checkSchema(conn)
            var c = CatalogCounts()
            let rows = try await conn.query("SELECT state, COUNT(*) FROM gk_songs GROUP BY state", logger: Self.logger)
            for try await (state, n) in rows.decode((Int, Int).self) { c.add(state: state, count: n) }
            return c
        }
    }

    public func workers() async throws -> [CatalogWorkerStats] {
        try await transaction { conn in
            try await self.checkSchema(conn)
            let rows = try await conn.query("""
                SELECT name, done, failed, first_seen, last_seen, busy_seconds FROM gk_workers ORDER BY last_seen DESC
                """, logger: Self.logger)
            var out: [CatalogWorkerStats] = []
            for try await (name, done, failed, first, last, busy) in rows.decode((String, Int, Int, Double, Double, Double).self) {
                out.append(CatalogWorkerStats(name: name, done: done, failed: failed, firstSeen: first, lastSeen: last, busySeconds: busy))
            }
            return out
        }
    }

    public func failures(limit: Int) async throws -> [CatalogFailure] {
        try await transaction { conn in
            try await self.checkSchema(conn)
            let rows = try await conn.query("""
                SELECT id, location, COALESCE(error, ''), attempts FROM gk_songs WHERE state = 3 ORDER BY id LIMIT \(limit)
                """, logger: Self.logger)
            var out: [CatalogFailure] = []
            for try await (id, location, message, attempts) in rows.decode((Int64, String, String, Int).self) {
                out.append(CatalogFailure(id: id, location: location, message: message, attempts: attempts))
            }
            return out
        }
    }

    public func retry(_ scope: CatalogRetryScope) async throws -> Int {
        let states: [Int16] = scope == .failed ? [3] : [2, 3]
        return try await transaction { conn in
            try await self.checkSchema(conn)
            let rows = try await conn.query("""
                UPDATE gk_songs SET state = 0, error = NULL, attempts = 0, lease_owner = NULL, lease_expires = NULL
                WHERE state = ANY(\(states)) RETURNING id
                """, logger: Self.logger)
            var n = 0
            for try await _ in rows { n += 1 }
            return n
        }
    }

    public func exportChunk(after: Int64, limit: Int) async throws -> [CatalogExportRow] {
        try await transaction { conn in
            try await self.checkSchema(conn)
            var songs: [CatalogSongRecord] = []
            let s = try await conn.query("""
                SELECT id, location, labels, state, attempts, error FROM gk_songs WHERE id > \(after) ORDER BY id LIMIT \(limit)
                """, logger: Self.logger)
            for try await (id, location, labels, state, attempts, error) in s.decode((Int64, String, String, Int, Int, String?).self) {
                songs.append(CatalogSongRecord(id: id, location: location, labels: labels, state: CatalogSongState(rawValue: state) ?? .pending,
                                               attempts: attempts, error: error))
            }
            guard let first = songs.first?.id, let last = songs.last?.id else { return [] }
            var rows = Dictionary(uniqueKeysWithValues: songs.map { ($0.id, CatalogExportRow(song: $0, features: [], tags: [:], predictions: [:])) })
            let f = try await conn.query("""
                SELECT song_id, spec_key, window_count, vector FROM gk_features WHERE song_id BETWEEN \(first) AND \(last)
                ORDER BY song_id, spec_key
                """, logger: Self.logger)
            for try await (id, spec, windows, vector) in f.decode((Int64, String, Int, ByteBuffer).self) {
                var v: [Float] = []
                vector.withUnsafeReadableBytes { VectorBlob.append($0, to: &v) }
                rows[id]?.features.append(SongFeatures(spec: spec, vector: v, windowCount: windows))
            }
            let t = try await conn.query("SELECT song_id, model, tags FROM gk_tags WHERE song_id BETWEEN \(first) AND \(last)", logger: Self.logger)
            for try await (id, model, text) in t.decode((Int64, String, String).self) {
                rows[id]?.tags[model] = CatalogJSON.decode([String: Float].self, text) ?? [:]
            }
            let p = try await conn.query("""
                SELECT song_id, model, label, probabilities FROM gk_predictions WHERE song_id BETWEEN \(first) AND \(last)
                """, logger: Self.logger)
            for try await (id, model, label, text) in p.decode((Int64, String, String, String).self) {
                rows[id]?.predictions[model] = SongPrediction(label: label, probabilities: CatalogJSON.decode([String: Double].self, text) ?? [:])
            }
            return songs.map { rows[$0.id]! }
        }
    }

    /// The chunk's rows as they are stored (`song_id, dimension, vector` in id order), decoded in binary straight
    /// into one contiguous buffer.
    ///
    /// The read is pinned to an index scan (`SET LOCAL enable_sort = off` for its transaction): without planner
    /// statistics (a table just filled, before autovacuum's ANALYZE) PostgreSQL estimates ~100 matching rows and
    /// picks a bitmap scan plus a sort, which for 16k rows of 3 KB spills 50 MB to disk (0.4–0.9 s a chunk instead
    /// of 0.05–0.1 s). (Concatenating the vectors on the server with `string_agg` was slower still: ~25 µs a row.)
    public func vectorChunk(spec: String, after: Int64, limit: Int) async throws -> CatalogVectorChunk {
        let location = self.location
        return try await transaction { conn in
            try await conn.query("SET LOCAL enable_sort = off", logger: Self.logger)
            let rows = try await conn.query("""
                SELECT song_id, dimension, vector FROM gk_features WHERE spec_key = \(spec) AND song_id > \(after)
                ORDER BY song_id LIMIT \(limit)
                """, logger: Self.logger)
            var chunk = VectorChunkBuilder(limit: limit)
            for try await (id, d, blob) in rows.decode((Int64, Int, ByteBuffer).self) {
                guard blob.withUnsafeReadableBytes({ chunk.append(id: id, dimension: d, raw: $0) }) else {
                    throw CatalogError.corrupt(store: location, reason: "the \(spec) vector of song \(id) has \(d) values, others \(chunk.dimension)")
                }
            }
            return chunk.finish()
        }
    }

    public func song(id: Int64) async throws -> CatalogSongRecord? {
        try await oneSong("SELECT id, location, labels, state, attempts, error FROM gk_songs WHERE id = \(id)")
    }

    public func song(location: String) async throws -> CatalogSongRecord? {
        try await oneSong("SELECT id, location, labels, state, attempts, error FROM gk_songs WHERE location = \(location)")
    }

    private func oneSong(_ query: PostgresQuery) async throws -> CatalogSongRecord? {
        try await retrying { conn in
            let rows = try await conn.query(query, logger: Self.logger)
            for try await (id, location, labels, state, attempts, error) in rows.decode((Int64, String, String, Int, Int, String?).self) {
                return CatalogSongRecord(id: id, location: location, labels: labels, state: CatalogSongState(rawValue: state) ?? .pending,
                                         attempts: attempts, error: error)
            }
            return nil
        }
    }

    public func vector(songID: Int64, spec: String) async throws -> [Float]? {
        try await retrying { conn in
            let rows = try await conn.query("SELECT vector FROM gk_features WHERE song_id = \(songID) AND spec_key = \(spec)", logger: Self.logger)
            for try await (vector) in rows.decode(ByteBuffer.self) {
                var v: [Float] = []
                vector.withUnsafeReadableBytes { VectorBlob.append($0, to: &v) }
                return v
            }
            return nil
        }
    }

    public func songVectors(locations: [String], spec: String) async throws -> [String: StoredSongVector] {
        guard !locations.isEmpty else { return [:] }
        return try await retrying { conn in
            let rows = try await conn.query("""
                SELECT s.location, f.window_count, f.vector FROM gk_songs s JOIN gk_features f ON f.song_id = s.id
                WHERE f.spec_key = \(spec) AND s.location = ANY(\(locations)::text[])
                """, logger: Self.logger)
            var out: [String: StoredSongVector] = [:]
            for try await (location, windows, vector) in rows.decode((String, Int, ByteBuffer).self) {
                var v: [Float] = []
                vector.withUnsafeReadableBytes { VectorBlob.append($0, to: &v) }
                out[location] = StoredSongVector(vector: v, windowCount: windows)
            }
            return out
        }
    }

    public func featureSpecs() async throws -> [String] {
        try await retrying { conn in
            let rows = try await conn.query("SELECT DISTINCT spec_key FROM gk_features ORDER BY spec_key", logger: Self.logger)
            var out: [String] = []
            for try await (s) in rows.decode(String.self) { out.append(s) }
            return out
        }
    }
}
