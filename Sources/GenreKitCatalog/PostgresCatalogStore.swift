import Foundation
import GenreKit
import PostgresNIO

/// The shared catalog: a PostgreSQL database that workers on many machines claim songs from.
///
/// A claim is one statement: `SELECT … FOR UPDATE SKIP LOCKED` picks songs whose lease expired, then pending
/// songs in id order, skipping rows another worker is claiming at that moment, and the same statement leases
/// them (owner, expiry from the server's clock). Lost connections (a restarted server, a network blip) are
/// retried with exponential backoff for ``reconnectSeconds``, and no wait for the pool or a dead connection can park
/// an operation forever (``PostgresAttempt``); every write is idempotent (results are upserts keyed
/// (song, spec/model), state changes require the worker's own lease), so a retried transaction never duplicates.
public final class PostgresCatalogStore: CatalogStore {
    public let location: String
    /// How long an operation keeps retrying a lost connection.
    public let reconnectSeconds: Double
    /// How long one attempt waits for a pooled connection before it asks again (see ``PostgresAttempt``).
    public let leaseWaitSeconds: Double
    let client: PostgresClient
    /// The pooled connections in use, watched for their close (``PostgresAttempt``).
    let watch = ConnectionWatch()
    private let runner: Task<Void, Never>
    /// Set once the schema was found present and not newer (checked once per store, not per statement).
    private let schemaChecked = Locked(false)
    static let logger: Logger = {
        var l = Logger(label: "GenreKit.Catalog")
        l.logLevel = .critical
        return l
    }()

    /// Connects to `url`: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (`postgresql://` too; TLS off unless
    /// `?sslmode=require`); `?host=/socket/folder` connects through a Unix socket.
    /// `leaseWaitSeconds` bounds one wait for a pooled connection (see ``PostgresAttempt``).
    public init(url: String, maximumConnections: Int = 4, reconnectSeconds: Double = 120, leaseWaitSeconds: Double = 10) throws {
        guard let c = URLComponents(string: url), ["postgres", "postgresql"].contains(c.scheme ?? ""),
              let user = c.user, !user.isEmpty else { throw CatalogError.badLocation(url) }
        let database = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        let query = Dictionary((c.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
        var config: PostgresClient.Configuration
        if let socketFolder = query["host"], socketFolder.hasPrefix("/") {
            config = .init(unixSocketPath: socketFolder + "/.s.PGSQL.\(c.port ?? 5432)", username: user, password: c.password,
                           database: database.isEmpty ? user : database)
        } else {
            guard let host = c.host, !host.isEmpty else { throw CatalogError.badLocation(url) }
            let tls: PostgresClient.Configuration.TLS = query["sslmode"] == "require" ? .require(.makeClientConfiguration()) : .disable
            config = .init(host: host, port: c.port ?? 5432, username: user, password: c.password,
                           database: database.isEmpty ? user : database, tls: tls)
        }
        config.options.maximumConnections = maximumConnections
        config.options.connectTimeout = .seconds(5)
        var shown = c
        shown.password = nil
        location = shown.string ?? url
        self.reconnectSeconds = reconnectSeconds
        self.leaseWaitSeconds = leaseWaitSeconds
        let client = PostgresClient(configuration: config, backgroundLogger: Self.logger)
        self.client = client
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    public func close() async { runner.cancel() }

    /// Runs `body` on a pooled connection (one bounded ``PostgresAttempt``), retrying with exponential backoff
    /// (0.1 s doubling to 5 s) while the error is a lost or refused connection, a server shutting down, or an attempt
    /// given up, for up to ``reconnectSeconds``; other errors become ``CatalogError``.
    func retrying<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let start = Date()
        var delay = 0.1
        while true {
            do { return try await PostgresAttempt.run(client: client, watch: watch, leaseWait: leaseWaitSeconds, body) } catch let e as CatalogError { throw e } catch {
                if Self.isConnectionError(error), Date().timeIntervalSince(start) < reconnectSeconds {
                    try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                    delay = min(delay * 2, 5)
                    continue
                }
                throw CatalogError.unavailable(store: location, reason: Self.message(error))
            }
        }
    }

    /// A lost, refused or closing connection, a server that is starting or stopping (SQLSTATE classes 08, 57P), or
    /// an attempt given up (``PostgresAttemptError``).
    static func isConnectionError(_ error: Error) -> Bool {
        if error is PostgresAttemptError { return true }
        guard let e = error as? PSQLError else { return error is ChannelError || error is IOError }
        if e.code == .server {
            let state = e.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || state.hasPrefix("57P")
        }
        return [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed]
            .contains(e.code) || e.underlying is ChannelError || e.underlying is IOError
    }

    static func message(_ error: Error) -> String {
        guard let e = error as? PSQLError else { return "\(error)" }
        if let m = e.serverInfo?[.message] { return m + (e.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "") }
        return "\(e.code)" + (e.underlying.map { ": \($0)" } ?? "")
    }

    /// A transaction (retried as a whole on a lost connection).
    func transaction<T: Sendable>(_ body: @Sendable @escaping (PostgresConnection) async throws -> T) async throws -> T {
        try await retrying { conn in
            try await conn.query("BEGIN", logger: Self.logger)
            do {
                let out = try await body(conn)
                try await conn.query("COMMIT", logger: Self.logger)
                return out
            } catch {
                if !conn.isClosed { _ = try? await conn.query("ROLLBACK", logger: Self.logger) }
                throw error
            }
        }
    }

    /// Fails unless the schema is present and not newer than this GenreKit's (read once per store).
    func checkSchema(_ conn: PostgresConnection) async throws {
        if schemaChecked.value { return }
        let v = try await Self.version(conn)
        if v == 0 { throw CatalogError.notInitialised(store: location) }
        if v > CatalogSchema.version { throw CatalogError.newerSchema(store: location, found: v, supported: CatalogSchema.version) }
        schemaChecked.withLock { $0 = true }
    }

    /// ``checkSchema(_:)`` on a connection of its own.
    func checkSchema() async throws {
        if schemaChecked.value { return }
        try await retrying { try await self.checkSchema($0) }
    }

    static func version(_ conn: PostgresConnection) async throws -> Int {
        let exists = try await conn.query("SELECT to_regclass('gk_meta') IS NOT NULL", logger: logger)
        for try await (e) in exists.decode(Bool.self) where !e { return 0 }
        let rows = try await conn.query("SELECT value FROM gk_meta WHERE key = 'schema_version'", logger: logger)
        for try await (v) in rows.decode(String.self) { return Int(v) ?? 0 }
        return 0
    }

    public func schemaVersion() async throws -> Int {
        try await retrying { try await Self.version($0) }
    }

    public func migrate() async throws -> (from: Int, to: Int) {
        let location = self.location
        return try await transaction { conn in
            try await conn.query("SELECT pg_advisory_xact_lock(7164630)", logger: Self.logger)   // one migrator at a time
            let from = try await Self.version(conn)
            if from > CatalogSchema.version { throw CatalogError.newerSchema(store: location, found: from, supported: CatalogSchema.version) }
            try await conn.query("CREATE TABLE IF NOT EXISTS gk_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)", logger: Self.logger)
            for n in stride(from: from + 1, through: CatalogSchema.version, by: 1) {
                for sql in CatalogSchema.migration(n, .postgres) { try await conn.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger) }
                if n == 1 {
                    // Vectors stay uncompressed and inline (rows up to a page), so similarity scans read them directly.
                    try await conn.query("ALTER TABLE gk_features ALTER COLUMN vector SET STORAGE EXTERNAL", logger: Self.logger)
                    try await conn.query("ALTER TABLE gk_features SET (toast_tuple_target = 8160)", logger: Self.logger)
                }
            }
            let v = String(CatalogSchema.version)
            try await conn.query("""
                INSERT INTO gk_meta (key, value) VALUES ('schema_version', \(v))
                ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                """, logger: Self.logger)
            return (from, CatalogSchema.version)
        }
    }
}
