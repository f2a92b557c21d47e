import Foundation
import XCTest
import GenreKit
@testable import GenreKitCatalog

/// The two waits of PostgresNIO that used to park catalog workers forever after a server restart
/// (``PostgresAttempt``), each provoked on purpose: both operations must come back with the server's answer.
final class PostgresAttemptTests: XCTestCase {
    nonisolated(unsafe) static var server: TemporaryPostgresServer?

    override class func setUp() {
        super.setUp()
        server = try? TemporaryPostgresServer()
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    func store(maximumConnections: Int = 4, leaseWait: Double = 10) throws -> (PostgresCatalogStore, TemporaryPostgresServer) {
        let server = try XCTUnwrap(Self.server, "no PostgreSQL server: install Debian's postgresql (scripts/setup.sh)")
        let store = try PostgresCatalogStore(url: "postgres://genrekit@127.0.0.1:\(server.port)/postgres", maximumConnections: maximumConnections,
                                             reconnectSeconds: 60, leaseWaitSeconds: leaseWait)
        return (store, server)
    }

    /// A query written to a connection the server closed (its channel's handlers already removed) is dropped by
    /// PostgresNIO and never answered; the attempt gives the connection up once it closed and the retry, on a new
    /// connection, answers.
    func testAQueryOnAClosedConnectionIsRetriedInsteadOfHanging() async throws {
        let (store, server) = try store()
        _ = try await store.migrate()
        let attempts = Locked(0)
        let answer = try await within(60) {
            try await store.retrying { conn -> Int in
                let n = attempts.withLock { $0 += 1; return $0 }
                if n == 1 {
                    try server.stopServer()                              // closes this connection
                    try await Task.sleep(nanoseconds: 300_000_000)       // the closed channel is torn down
                    try server.start()
                }
                return try await PostgresCatalogStore.version(conn)      // a query on this connection
            }
        }
        XCTAssertEqual(answer, CatalogSchema.version)
        XCTAssertEqual(attempts.value, 2, "the first attempt's connection closed, the second one answered")
        await store.close()
    }

    /// The pool's only connection dies while another request waits for it, and its holder asks for nothing more:
    /// the pool opens no replacement (postgres-nio issue 657), so the waiting request must give up its wait and ask
    /// again, which opens a connection.
    func testARequestQueuedWhenTheLastConnectionDiesIsServed() async throws {
        let (store, server) = try store(maximumConnections: 1, leaseWait: 1)
        _ = try await store.migrate()
        let holding = Locked(false)
        let holder = Task {
            try await store.retrying { _ -> Int in
                holding.withLock { $0 = true }
                try await Task.sleep(nanoseconds: 500_000_000)           // the request below queues behind this lease
                try server.stopServer()
                try server.start()
                throw CatalogError.noVectors(spec: "held")               // not retried: no new lease request
            }
        }
        while !holding.value { try await Task.sleep(nanoseconds: 10_000_000) }
        let version = try await within(60) { try await store.schemaVersion() }
        XCTAssertEqual(version, CatalogSchema.version)
        do {
            _ = try await holder.value
            XCTFail("the holder's error was expected")
        } catch let e as CatalogError {
            XCTAssertEqual(e, .noVectors(spec: "held"))
        }
        await store.close()
    }

    /// `operation`'s value, failing the test (instead of hanging it) when it takes more than `seconds`.
    func within<T: Sendable>(_ seconds: Double, file: StaticString = #filePath, line: UInt = #line,
                             _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let done = Locked(false)
        let task = Task {
            defer { done.withLock { $0 = true } }
            return try await operation()
        }
        let deadline = Date().addingTimeInterval(seconds)
        while !done.value {
            if Date() > deadline {
                XCTFail("the operation did not come back within \(Int(seconds)) s", file: file, line: line)
                throw CancellationError()
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        return try await task.value
    }
}
