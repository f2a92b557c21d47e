import Foundation

/// A throwaway PostgreSQL server for tests and benchmarks: `initdb` in a temporary folder, `pg_ctl` on a free
/// loopback port with its Unix socket in that folder, stopped and removed by ``stop()``.
///
/// The server binaries are found in `$GENREKIT_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin` (Debian's
/// `postgresql` package), else `PATH`. PostgreSQL refuses to run as root, so as root the server runs as the user
/// `postgres` (created by Debian's package), else `nobody`, through `runuser`.
public final class TemporaryPostgresServer: @unchecked Sendable {
    public let folder: String
    public let port: Int
    public let binaries: String
    /// `postgres://genrekit@127.0.0.1:PORT/postgres`.
    public var url: String { "postgres://genrekit@127.0.0.1:\(port)/postgres" }
    private let runAs: String?
    private let durable: Bool
    private var running = false

    /// Creates and starts a server. `durable` false turns fsync off (tests); true keeps PostgreSQL's defaults
    /// (benchmarks of commit latency).
    public init(durable: Bool = false) throws {
        binaries = try Self.findBinaries()
        folder = NSTemporaryDirectory() + "genrekit-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        runAs = getuid() == 0 ? (getpwnam("postgres") != nil ? "postgres" : "nobody") : nil
        if let user = runAs, let pw = getpwnam(user) {
            guard chown(folder, pw.pointee.pw_uid, pw.pointee.pw_gid) == 0 else { throw CatalogError.serverStart("cannot chown \(folder) to \(user)") }
        }
        port = try Self.freePort()
        self.durable = durable
        try run("initdb", ["-D", folder + "/data", "-U", "genrekit", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"])
        try start()
    }

    deinit { stop() }

    /// Starts the server (after ``stopServer()``); waits until it accepts connections.
    public func start() throws {
        var options = "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c max_connections=200"
        if !durable { options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off" }
        try run("pg_ctl", ["-D", folder + "/data", "-l", folder + "/server.log", "-o", options, "-w", "-t", "60", "start"])
        running = true
    }

    /// Stops the server (fast shutdown: open connections are closed), keeping its data.
    public func stopServer() throws {
        guard running else { return }
        try run("pg_ctl", ["-D", folder + "/data", "-m", "fast", "-w", "stop"])
        running = false
    }

    /// Restarts the server (connections are lost, data kept).
    public func restart() throws {
        try stopServer()
        try start()
    }

    /// Stops the server and removes its folder.
    public func stop() {
        try? stopServer()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs `psql -Atc SQL` and returns its output (for checks in tests and scripts).
    @discardableResult
    public func psql(_ sql: String) throws -> String { try psqlIn("postgres", sql) }

    /// Runs `psql -Atc SQL` in `database`.
    @discardableResult
    public func psqlIn(_ database: String, _ sql: String) throws -> String {
        try run("psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "genrekit", "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc", sql])
    }

    @discardableResult
    private func run(_ tool: String, _ arguments: [String]) throws -> String {
        let path = binaries + "/" + tool
        let runuser = FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser"
        let argv = runAs.map { [runuser, "-u", $0, "--", path] + arguments } ?? [path] + arguments
        // Output to a file, not a pipe: the server pg_ctl starts inherits the descriptors and would keep a pipe open.
        let outPath = NSTemporaryDirectory() + "genrekit-pg-\(UUID().uuidString.prefix(8)).out"
        defer { unlink(outPath) }
        let status = try Self.spawn(argv, output: outPath)
        let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let log = (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8))?.split(separator: "\n").suffix(3).joined(separator: " | ") ?? ""
            throw CatalogError.serverStart("\(tool) exited \(status): \(text.split(separator: "\n").suffix(3).joined(separator: " | ")) \(log)")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `argv` with standard output and error to the file `output` and waits for it (posix_spawn + waitpid:
    /// Foundation's `Process` may miss the exit of a child whose own child lives on).
    static func spawn(_ argv: [String], output: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ)
        guard rc == 0 else { throw CatalogError.serverStart("\(argv[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw CatalogError.serverStart("waitpid: \(String(cString: strerror(errno)))") }
        }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// The folder of `initdb`, `pg_ctl` and `psql` (see the type's documentation).
    public static func findBinaries() throws -> String {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["GENREKIT_PG_BIN"], fm.isExecutableFile(atPath: env + "/initdb") { return env }
        let base = "/usr/lib/postgresql"
        let versions = ((try? fm.contentsOfDirectory(atPath: base)) ?? []).compactMap(Int.init).sorted(by: >)
        for v in versions where fm.isExecutableFile(atPath: "\(base)/\(v)/bin/initdb") { return "\(base)/\(v)/bin" }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") where fm.isExecutableFile(atPath: "\(dir)/initdb") {
            return String(dir)
        }
        throw CatalogError.serverStart("no initdb in $GENREKIT_PG_BIN, /usr/lib/postgresql/*/bin or PATH")
    }

    /// A loopback TCP port nobody listens on now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CatalogError.serverStart("no socket") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw CatalogError.serverStart("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
