import Foundation
import XCTest
import GenreKit
@testable import GenreKitCatalog

/// ``CatalogStoreCases`` on the embedded SQLite store (a fresh file per test).
final class SQLiteCatalogStoreTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "genrekit-catalog-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func cases() throws -> CatalogStoreCases {
        let store = try XCTUnwrap(try CatalogLocation.open("sqlite:" + folder + "/catalog.sqlite") as? SQLiteCatalogStore)
        return CatalogStoreCases(store: store, setVersion: { try store.setSchemaVersion($0) })
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

    func testLocations() throws {
        XCTAssertEqual(try CatalogLocation.open("sqlite:" + folder + "/a.sqlite").location, "sqlite:" + folder + "/a.sqlite")
        XCTAssertEqual(CatalogLocation.defaultLocation(environment: ["GENREKIT_STORE": "postgres://u@h/db"]), "postgres://u@h/db")
        XCTAssertEqual(CatalogLocation.defaultLocation(environment: ["GENREKIT_CACHE": "/c", "HOME": "/h"]), "sqlite:/c/catalog.sqlite")
        XCTAssertThrowsError(try CatalogLocation.open("mysql://x@y/z")) { XCTAssertEqual($0 as? CatalogError, .badLocation("mysql://x@y/z")) }
        XCTAssertThrowsError(try CatalogLocation.open("postgres://host-without-user/db")) {
            XCTAssertEqual($0 as? CatalogError, .badLocation("postgres://host-without-user/db"))
        }
        XCTAssertEqual(try PostgresCatalogStore(url: "postgres://me:secret@db.example:5433/music").location, "postgres://me@db.example:5433/music",
                       "the password is never shown")
    }

    /// Real audio through the real extractor: `mfcc` vectors of generated tones, a broken file failed with its message.
    func testAudioWorkerOnGeneratedFiles() async throws {
        for (i, hz) in [220.0, 440.0, 880.0].enumerated() {
            let samples = (0..<(16000 * 4)).map { Float(0.3 * sin(2 * Double.pi * hz * Double($0) / 16000)) }
            try AudioEncoder.write(samples, channels: 1, sampleRate: 16000, format: .wav16, to: folder + "/tone\(i).wav")
        }
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: folder + "/broken.wav"))
        let c = try cases()
        _ = try await c.store.migrate()
        let value1 = try await c.store.add(try CatalogSongSource.songs(at: folder))
        XCTAssertEqual(value1, 4)
        let spec = try CombinedFeatureSpec(parsing: "mfcc")
        let processor = try AudioSongProcessor(specs: [spec])
        var options = CatalogWorkOptions(worker: "audio")
        options.batch = 3
        let summary = try await CatalogWorker(store: c.store, processor: processor, options: options).run()
        XCTAssertEqual(summary.done, 3)
        XCTAssertEqual(summary.failed, 1)
        let failures = try await c.store.failures(limit: 5)
        let failure = try XCTUnwrap(failures.first)
        XCTAssert(failure.location.hasSuffix("/broken.wav"))
        XCTAssertFalse(failure.message.isEmpty)
        XCTAssertFalse(failure.message.contains("\n"))
        let rows = try await c.store.exportChunk(after: 0, limit: 10)
        for row in rows where row.song.state == .done {
            let expected = try processor.extractors[0].parts[0].windowFeatures(path: row.song.location)
            XCTAssertEqual(row.features.first?.vector, expected.songVector(spec.parts[0].songPooling), "the stored vector is the extractor's")
            XCTAssertEqual(row.features.first?.windowCount, expected.windowCount)
        }
    }
}
