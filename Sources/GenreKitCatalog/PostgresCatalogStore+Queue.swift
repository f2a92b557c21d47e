import Foundation
import GenreKit
import PostgresNIO

extension PostgresCatalogStore {
    /// The server's clock in seconds since 1970 (leases use it, so workers' clocks need not agree).
    static let now = "extract(epoch from clock_timestamp())::float8"

    public func add(_ songs: [CatalogSong]) async throws -> Int {
        var seen = Set<String>()
        let unique = songs.filter { seen.insert($0.location).inserted }
        guard !unique.isEmpty else { return 0 }
        let locations = unique.map(\.location), sizes = unique.map(\.size), mtimes = unique.map(\.mtime), labels = unique.map(\.labels)
        return try await transaction { conn in
            try await self.checkSchema(conn)
            let rows = try await conn.query("""
                INSERT INTO gk_songs (location, size, mtime, labels)
                SELECT * FROM unnest(\(locations)::text[], \(sizes)::int8[], \(mtimes)::float8[], \(labels)::text[])
                ON CONFLICT (location) DO UPDATE SET size = EXCLUDED.size, mtime = EXCLUDED.mtime, labels = EXCLUDED.labels,
                    state = 0, error = NULL, lease_owner = NULL, lease_expires = NULL, attempts = 0
                WHERE gk_songs.size <> EXCLUDED.size OR gk_songs.mtime <> EXCLUDED.mtime OR gk_songs.labels <> EXCLUDED.labels
                RETURNING id
                """, logger: Self.logger)
            var n = 0
            for try await _ in rows { n += 1 }
            return n
        }
    }

    public func claim(worker: String, limit: Int, leaseSeconds: Double) async throws -> [ClaimedSong] {
        let lost = CatalogQueue.lostMessage(CatalogQueue.maximumAttempts), maxAttempts = CatalogQueue.maximumAttempts
        try await checkSchema()
        // One statement, so atomic without an explicit transaction (one round trip).
        return try await retrying { conn in
            let rows = try await conn.query("""
                WITH lost AS (
                    UPDATE gk_songs SET state = 3, error = \(lost), lease_owner = NULL, lease_expires = NULL
                    WHERE id IN (SELECT id FROM gk_songs WHERE state = 1 AND lease_expires < \(unescaped: Self.now)
                                 AND attempts >= \(maxAttempts) FOR UPDATE SKIP LOCKED)),
                expired AS (
                    SELECT id FROM gk_songs WHERE state = 1 AND lease_expires < \(unescaped: Self.now) AND attempts < \(maxAttempts)
                    ORDER BY lease_expires LIMIT \(limit) FOR UPDATE SKIP LOCKED),
                pending AS (
                    SELECT id FROM gk_songs WHERE state = 0 ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED),
                picked AS (
                    SELECT id FROM (SELECT id FROM expired UNION ALL SELECT id FROM pending) AS both_kinds LIMIT \(limit))
                UPDATE gk_songs AS s SET state = 1, lease_owner = \(worker), lease_expires = \(unescaped: Self.now) + \(leaseSeconds),
                    attempts = s.attempts + 1
                FROM picked WHERE s.id = picked.id
                RETURNING s.id, s.location, s.attempts
                """, logger: Self.logger)
            var out: [ClaimedSong] = []
            for try await (id, location, attempts) in rows.decode((Int64, String, Int).self) {
                out.append(ClaimedSong(id: id, location: location, attempts: attempts))
            }
            return out.sorted { $0.id < $1.id }
        }
    }

    public func renew(worker: String, ids: [Int64], leaseSeconds: Double) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await retrying { conn in
            let rows = try await conn.query("""
                UPDATE gk_songs SET lease_expires = \(unescaped: Self.now) + \(leaseSeconds)
                WHERE id = ANY(\(ids)) AND state = 1 AND lease_owner = \(worker) RETURNING id
                """, logger: Self.logger)
            var n = 0
            for try await _ in rows { n += 1 }
            return n
        }
    }

    public func complete(worker: String, results: [SongResult], failures: [SongFailure], busySeconds: Double) async throws {
        var fSong: [Int64] = [], fSpec: [String] = [], fDim: [Int32] = [], fWindows: [Int32] = [], fVector: [ByteBuffer] = []
        var tSong: [Int64] = [], tModel: [String] = [], tText: [String] = []
        var pSong: [Int64] = [], pModel: [String] = [], pLabel: [String] = [], pText: [String] = []
        for r in results {
            for f in r.features {
                fSong.append(r.songID); fSpec.append(f.spec); fDim.append(Int32(f.vector.count)); fWindows.append(Int32(f.windowCount))
                fVector.append(ByteBuffer(bytes: VectorBlob.bytes(f.vector)))
            }
            for (model, scores) in r.tags.sorted(by: { $0.key < $1.key }) {
                tSong.append(r.songID); tModel.append(model); tText.append(CatalogJSON.encode(scores))
            }
            for (model, p) in r.predictions.sorted(by: { $0.key < $1.key }) {
                pSong.append(r.songID); pModel.append(model); pLabel.append(p.label); pText.append(CatalogJSON.encode(p.probabilities))
            }
        }
        let doneIDs = results.map(\.songID), failedIDs = failures.map(\.songID), messages = failures.map(\.message)
        let (fs, fp, fd, fw, fv) = (fSong, fSpec, fDim, fWindows, fVector)
        let (ts, tm, tt, ps, pm, pl, pt) = (tSong, tModel, tText, pSong, pModel, pLabel, pText)
        try await transaction { conn in
            try await self.checkSchema(conn)
            if !fs.isEmpty {
                try await conn.query("""
                    INSERT INTO gk_features (song_id, spec_key, dimension, window_count, vector)
                    SELECT * FROM unnest(\(fs)::int8[], \(fp)::text[], \(fd)::int4[], \(fw)::int4[], \(fv)::bytea[])
                    ON CONFLICT (song_id, spec_key) DO UPDATE SET dimension = EXCLUDED.dimension,
                        window_count = EXCLUDED.window_count, vector = EXCLUDED.vector
                    """, logger: Self.logger)
            }
            if !ts.isEmpty {
                try await conn.query("""
                    INSERT INTO gk_tags (song_id, model, tags) SELECT * FROM unnest(\(ts)::int8[], \(tm)::text[], \(tt)::text[])
                    ON CONFLICT (song_id, model) DO UPDATE SET tags = EXCLUDED.tags
                    """, logger: Self.logger)
            }
            if !ps.isEmpty {
                try await conn.query("""
                    INSERT INTO gk_predictions (song_id, model, label, probabilities)
                    SELECT * FROM unnest(\(ps)::int8[], \(pm)::text[], \(pl)::text[], \(pt)::text[])
                    ON CONFLICT (song_id, model) DO UPDATE SET label = EXCLUDED.label, probabilities = EXCLUDED.probabilities
                    """, logger: Self.logger)
            }
            if !doneIDs.isEmpty {
                try await conn.query("""
                    UPDATE gk_songs SET state = 2, lease_owner = NULL, lease_expires = NULL, error = NULL,
                        done_by = \(worker), done_at = \(unescaped: Self.now)
                    WHERE id = ANY(\(doneIDs)) AND state = 1 AND lease_owner = \(worker)
                    """, logger: Self.logger)
            }
            if !failedIDs.isEmpty {
                try await conn.query("""
                    UPDATE gk_songs AS s SET state = 3, lease_owner = NULL, lease_expires = NULL, error = f.message,
                        done_by = \(worker), done_at = \(unescaped: Self.now)
                    FROM unnest(\(failedIDs)::int8[], \(messages)::text[]) AS f(id, message)
                    WHERE s.id = f.id AND s.state = 1 AND s.lease_owner = \(worker)
                    """, logger: Self.logger)
            }
            try await conn.query("""
                INSERT INTO gk_workers (name, first_seen, last_seen, done, failed, busy_seconds)
                VALUES (\(worker), \(unescaped: Self.now) - \(busySeconds), \(unescaped: Self.now), \(doneIDs.count), \(failedIDs.count), \(busySeconds))
                ON CONFLICT (name) DO UPDATE SET last_seen = EXCLUDED.last_seen, done = gk_workers.done + EXCLUDED.done,
                    failed = gk_workers.failed + EXCLUDED.failed, busy_seconds = gk_workers.busy_seconds + EXCLUDED.busy_seconds
                """, logger: Self.logger)
        }
    }

    public func release(worker: String, ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await retrying { conn in
            let rows = try await conn.query("""
                UPDATE gk_songs SET state = 0, lease_owner = NULL, lease_expires = NULL, attempts = GREATEST(attempts - 1, 0)
                WHERE id = ANY(\(ids)) AND state = 1 AND lease_owner = \(worker) RETURNING id
                """, logger: Self.logger)
            for try await _ in rows {}
        }
    }
}
