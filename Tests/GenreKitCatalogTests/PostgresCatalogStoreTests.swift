import Foundation
import XCTest
import GenreKit
@testable import GenreKitCatalog

/// ``CatalogStoreCases`` on PostgreSQL: a throwaway server (``TemporaryPostgresServer``, Debian's `postgresql`)
/// for the class, a fresh database per test.
final class PostgresCatalogStoreTests: XCTestCase {
    nonisolated(unsafe) static var server: TemporaryPostgresServer?
    nonisolated(unsafe) static var databases = 0

    override class func setUp() {
        super.setUp()
        server = try? TemporaryPostgresServer()
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    func freshStore() throws -> (PostgresCatalogStore, TemporaryPostgresServer) {
        let server = try XCTUnwrap(Self.server, "no PostgreSQL server: install Debian's postgresql (scripts/setup.sh)")
        Self.databases += 1
        let name = "catalog_test_\(Self.databases)"
        try server.psql("CREATE DATABASE \(name)")
        return (try PostgresCatalogStore(url: "postgres://genrekit@127.0.0.1:\(server.port)/\(name)", reconnectSeconds: 60), server)
    }

    func cases() throws -> CatalogStoreCases {
        let (store, server) = try freshStore()
        let name = String(store.location.split(separator: "/").last!)
        return CatalogStoreCases(store: store, setVersion: { v in
            _ = try server.psqlIn(name, "UPDATE gk_meta SET value = '\(v)' WHERE key = 'schema_version'")
        })
    }

    func testMigrations() async throws { try await cases().migrations() }
    func testAddIsIdempotent() async throws { try await cases().addIsIdempotent() }
    func testClaimsNeverOverlap() async throws { try await cases().claimsNeverOverlap() }
    func testCompleteStoresResultsOnce() async throws { try await cases().completeStoresResultsOnce() }
    func testExpiredLeasesReturn() async throws { try await cases().expiredLeasesReturn() }
    func testASongThatKillsItsWorkersFails() async throws { try await cases().aSongThatKillsItsWorkersFails() }
    func testWorkersFinishTheQueue() async throws { try await cases().workersFinishTheQueue() }
    func testStopReleasesTheRestOfTheBatch() async throws { try await cases().stopReleasesTheRestOfTheBatch() }
    func testExportStreamsInChunks() async throws { try await cases().exportStreamsInChunks() }
    func testSimilarEqualsBruteForce() async throws { try await cases().similarEqualsBruteForce() }

    /// Migration 2: song vectors are kept in the table's pages, uncompressed (`similar` reads them without TOAST
    /// lookups), and a vector stored after it is read back whole.
    func testVectorsAreStoredInline() async throws {
        let (store, server) = try freshStore()
        let db = String(store.location.split(separator: "/").last!)
        _ = try await store.migrate()
        let storage = try server.psqlIn(db, "SELECT attstorage FROM pg_attribute WHERE attrelid = 'gk_features'::regclass AND attname = 'vector'")
        XCTAssertEqual(storage.trimmingCharacters(in: .whitespacesAndNewlines), "e")
        let options = try server.psqlIn(db, "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid = 'gk_features'::regclass")
        XCTAssertEqual(options.trimmingCharacters(in: .whitespacesAndNewlines), "toast_tuple_target=8160")
        _ = try await store.add([CatalogSong(location: "/v/0")])
        let song = try await store.song(location: "/v/0")
        let id = try XCTUnwrap(song).id
        let vector = (0..<753).map { Float($0) * 0.5 - 100 }
        try await store.complete(worker: "w", results: [SongResult(songID: id, features: [SongFeatures(spec: "s", vector: vector, windowCount: 1)])],
                                 failures: [], busySeconds: 0)
        let toasted = try server.psqlIn(db, "SELECT pg_relation_size(reltoastrelid) FROM pg_class WHERE oid = 'gk_features'::regclass")
        XCTAssertEqual(toasted.trimmingCharacters(in: .whitespacesAndNewlines), "0")
        let chunk = try await store.vectorChunk(spec: "s", after: 0, limit: 10)
        XCTAssertEqual(chunk.ids, [id])
        XCTAssertEqual(chunk.values, vector)
        await store.close()
    }

    /// The fault test in small: three workers, one of which dies holding a batch (its lease expires), and the server
    /// restarted mid-run: every good song done exactly once (checked in SQL), bad ones failed, no lease left.
    ///
    /// It used to hang in some runs (the workers parked on PostgresNIO's pool after the restart); see
    /// ``PostgresAttempt`` and ``PostgresAttemptTests`` for the two waits that did it.
    func testWorkersSurviveAServerRestartAndADeadWorker() async throws {
        let (store, server) = try freshStore()
        let db = String(store.location.split(separator: "/").last!)
        _ = try await store.migrate()
        let songs = (0..<120).map { CatalogSong(location: $0 % 13 == 4 ? "/music/bad\($0).wav" : "/music/good\($0).wav") }
        _ = try await store.add(songs)
        let dead = try await store.claim(worker: "dead", limit: 6, leaseSeconds: 1)   // never completes
        XCTAssertEqual(dead.count, 6)
        let calls = Locked([String: Int]())
        let processor = SlowFakeProcessor(inner: FakeProcessor(calls: calls))
        let restarted = Task.detached {
            try await Task.sleep(nanoseconds: 400_000_000)
            try server.restart()
        }
        let summaries = try await withThrowingTaskGroup(of: CatalogWorkSummary.self) { group in
            for w in 0..<3 {
                group.addTask {
                    var options = CatalogWorkOptions(worker: "w\(w)")
                    options.batch = 4
                    options.concurrency = 2
                    options.leaseSeconds = 5
                    options.pollSeconds = 0.1
                    return try await CatalogWorker(store: store, processor: processor, options: options).run()
                }
            }
            var out: [CatalogWorkSummary] = []
            for try await s in group { out.append(s) }
            return out
        }
        try await restarted.value
        let bad = songs.filter { $0.location.contains("bad") }.count
        XCTAssertEqual(summaries.map(\.done).reduce(0, +), 120 - bad)
        XCTAssertEqual(try server.psqlIn(db, "SELECT count(*), count(DISTINCT song_id) FROM gk_features"), "\(120 - bad)|\(120 - bad)")
        XCTAssertEqual(try server.psqlIn(db, "SELECT state, count(*) FROM gk_songs GROUP BY state ORDER BY state"), "2|\(120 - bad)\n3|\(bad)")
        XCTAssertEqual(try server.psqlIn(db, "SELECT count(*) FROM gk_songs WHERE lease_owner IS NOT NULL OR lease_expires IS NOT NULL"), "0")
        XCTAssertEqual(try server.psqlIn(db, "SELECT count(*) FROM gk_songs WHERE state = 3 AND (error IS NULL OR error = '')"), "0")
        XCTAssertEqual(try server.psqlIn(db, "SELECT min(attempts), max(attempts) FROM gk_songs WHERE id = ANY('{\(dead.map { String($0.id) }.joined(separator: ","))}')"),
                       "2|2", "the dead worker's songs were claimed again once")
    }
}

/// ``FakeProcessor`` taking 20 ms a song, so that a run spans a server restart.
struct SlowFakeProcessor: CatalogSongProcessing {
    let inner: FakeProcessor
    func process(path: String) throws -> SongResult {
        Thread.sleep(forTimeInterval: 0.02)
        return try inner.process(path: path)
    }
}
