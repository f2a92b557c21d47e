import Foundation

/// The catalog's tables, as versioned migrations for each SQL dialect.
///
/// `gk_meta` holds `schema_version`; migration `n` takes a store from version `n − 1` to `n`. A store whose
/// version is above ``version`` is refused (``CatalogError/newerSchema(store:found:supported:)``).
///
/// Tables: `gk_songs` (the songs and the queue: `state` 0 pending, 1 leased, 2 done, 3 failed; `lease_owner`,
/// `lease_expires` in seconds since 1970; `attempts`, `error`), `gk_features` (song vector per spec, float32
/// little-endian, keyed (song, spec)), `gk_tags` (JSON tag → score, keyed (song, model)), `gk_predictions`
/// (label and JSON probabilities, keyed (song, model)), `gk_workers` (per-worker counts for throughput).
public enum CatalogSchema {
    /// The schema version this GenreKit writes.
    public static let version = 2

    public enum Dialect: Sendable { case sqlite, postgres }

    /// The statements of migration `n` (1-based) in `dialect`.
    public static func migration(_ n: Int, _ dialect: Dialect) -> [String] {
        let pg = dialect == .postgres
        let id = pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY"
        let real = pg ? "DOUBLE PRECISION" : "REAL"
        let blob = pg ? "BYTEA" : "BLOB"
        switch n {
        case 1:
            return [
                """
                CREATE TABLE gk_songs (
                    id \(id),
                    location TEXT NOT NULL UNIQUE,
                    size BIGINT NOT NULL DEFAULT 0,
                    mtime \(real) NOT NULL DEFAULT 0,
                    labels TEXT NOT NULL DEFAULT '',
                    state SMALLINT NOT NULL DEFAULT 0,
                    lease_owner TEXT,
                    lease_expires \(real),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    error TEXT,
                    done_by TEXT,
                    done_at \(real))
                """,
                "CREATE INDEX gk_songs_pending ON gk_songs (id) WHERE state = 0",
                "CREATE INDEX gk_songs_leased ON gk_songs (lease_expires) WHERE state = 1",
                "CREATE INDEX gk_songs_failed ON gk_songs (id) WHERE state = 3",
                """
                CREATE TABLE gk_features (
                    song_id BIGINT NOT NULL REFERENCES gk_songs (id) ON DELETE CASCADE,
                    spec_key TEXT NOT NULL,
                    dimension INTEGER NOT NULL,
                    window_count INTEGER NOT NULL,
                    vector \(blob) NOT NULL,
                    PRIMARY KEY (song_id, spec_key))
                """,
                "CREATE INDEX gk_features_spec ON gk_features (spec_key, song_id)",
                """
                CREATE TABLE gk_tags (
                    song_id BIGINT NOT NULL REFERENCES gk_songs (id) ON DELETE CASCADE,
                    model TEXT NOT NULL,
                    tags TEXT NOT NULL,
                    PRIMARY KEY (song_id, model))
                """,
                """
                CREATE TABLE gk_predictions (
                    song_id BIGINT NOT NULL REFERENCES gk_songs (id) ON DELETE CASCADE,
                    model TEXT NOT NULL,
                    label TEXT NOT NULL,
                    probabilities TEXT NOT NULL,
                    PRIMARY KEY (song_id, model))
                """,
                """
                CREATE TABLE gk_workers (
                    name TEXT PRIMARY KEY,
                    first_seen \(real) NOT NULL,
                    last_seen \(real) NOT NULL,
                    done BIGINT NOT NULL DEFAULT 0,
                    failed BIGINT NOT NULL DEFAULT 0,
                    busy_seconds \(real) NOT NULL DEFAULT 0)
                """,
            ]
        case 2:
            // Song vectors stay in the table's own pages, uncompressed: a 753-d vector (3 KB) is over PostgreSQL's
            // default 2-KB TOAST threshold, and reading it back from the TOAST table (two chunk lookups a row)
            // doubled the server's time per `similar` chunk (105–125 ms vs 48–54 ms for 16k rows, measured with
            // COPY … TO '/dev/null'). Vectors above 8 KB still go to TOAST, uncompressed. Existing rows move as they
            // are rewritten. SQLite keeps blobs in the row (and its overflow pages) already.
            return pg ? [
                "ALTER TABLE gk_features ALTER COLUMN vector SET STORAGE EXTERNAL",
                "ALTER TABLE gk_features SET (toast_tuple_target = 8160)",
            ] : []
        default:
            return []
        }
    }
}

/// Queue constants shared by both stores.
public enum CatalogQueue {
    /// A song whose lease expired this many times (its worker died each time) is marked failed.
    public static let maximumAttempts = 3
    /// The message of such a song.
    public static func lostMessage(_ attempts: Int) -> String {
        "its worker stopped without finishing it \(attempts) times (killed, out of memory?); genrekit catalog retry --failed tries again"
    }
}

/// JSON text of tags and predictions as stored.
enum CatalogJSON {
    static func encode<T: Encodable>(_ value: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? e.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
        try? JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
