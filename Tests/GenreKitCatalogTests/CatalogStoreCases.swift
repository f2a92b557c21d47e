import Foundation
import XCTest
import GenreKit
@testable import GenreKitCatalog

/// The store test cases, run on SQLite (``SQLiteCatalogStoreTests``) and PostgreSQL (``PostgresCatalogStoreTests``)
/// alike. `setVersion` writes a schema version behind the store's back.
struct CatalogStoreCases {
    let store: any CatalogStore
    let setVersion: (Int) throws -> Void

    static func songs(_ n: Int, prefix: String = "/music/song") -> [CatalogSong] {
        (0..<n).map { (i: Int) -> CatalogSong in
            let labels = i % 2 == 0 ? "rock" : "jazz"
            return CatalogSong(location: prefix + "\(i).wav", size: Int64(1000 + i), mtime: 1_700_000_000 + Double(i), labels: labels)
        }
    }

    func migrations() async throws {
        let value1 = try await store.schemaVersion()
        XCTAssertEqual(value1, 0)
        do { _ = try await store.counts(); XCTFail("an empty store has no catalog") } catch let e as CatalogError {
            XCTAssertEqual(e, .notInitialised(store: store.location))
        }
        let first = try await store.migrate()
        XCTAssertEqual(first.from, 0)
        XCTAssertEqual(first.to, CatalogSchema.version)
        let again = try await store.migrate()
        XCTAssertEqual(again.from, CatalogSchema.version)
        let value2 = try await store.schemaVersion()
        XCTAssertEqual(value2, CatalogSchema.version)
        try setVersion(CatalogSchema.version + 1)
        for attempt in 0..<2 {
            do {
                if attempt == 0 { _ = try await store.migrate() } else { _ = try await store.claim(worker: "w", limit: 1, leaseSeconds: 10) }
                XCTFail("a newer store must be refused")
            } catch let e as CatalogError {
                XCTAssertEqual(e, .newerSchema(store: store.location, found: CatalogSchema.version + 1, supported: CatalogSchema.version))
            }
        }
    }

    func addIsIdempotent() async throws {
        _ = try await store.migrate()
        let value3 = try await store.add(Self.songs(250))
        XCTAssertEqual(value3, 250)
        let value4 = try await store.add(Self.songs(250))
        XCTAssertEqual(value4, 0)
        var changed = Self.songs(3)
        changed[1].size += 1
        let value5 = try await store.add(changed + changed)
        XCTAssertEqual(value5, 1, "a changed file is queued again, duplicates in one call count once")
        let value6 = try await store.counts()
        XCTAssertEqual(value6, CatalogCounts(pending: 250))
        let song = try await store.song(location: "/music/song7.wav")
        XCTAssertEqual(song?.labels, "jazz")
        XCTAssertEqual(song?.state, .pending)
    }

    func claimsNeverOverlap() async throws {
        _ = try await store.migrate()
        _ = try await store.add(Self.songs(100))
        let store = self.store
        let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for w in 0..<8 {
                group.addTask {
                    var mine: [Int64] = []
                    while true {
                        let batch = try await store.claim(worker: "w\(w)", limit: 7, leaseSeconds: 60)
                        if batch.isEmpty { return mine }
                        XCTAssert(batch.allSatisfy { $0.attempts == 1 })
                        mine += batch.map(\.id)
                    }
                }
            }
            var all: [Int64] = []
            for try await ids in group { all += ids }
            return all
        }
        XCTAssertEqual(claimed.count, 100)
        XCTAssertEqual(Set(claimed).count, 100, "no song leased twice")
        let value7 = try await store.counts()
        XCTAssertEqual(value7, CatalogCounts(leased: 100))
    }

    func completeStoresResultsOnce() async throws {
        _ = try await store.migrate()
        _ = try await store.add(Self.songs(5))
        let batch = try await store.claim(worker: "a", limit: 3, leaseSeconds: 60)
        XCTAssertEqual(batch.map(\.location), ["/music/song0.wav", "/music/song1.wav", "/music/song2.wav"])
        let results = batch.prefix(2).map { s in
            SongResult(songID: s.id, features: [SongFeatures(spec: "mfcc", vector: [1, 2, Float(s.id)], windowCount: 4)],
                       tags: ["MSD_musicnn": ["rock": 0.5, "jazz": 0.25]],
                       predictions: ["genres": SongPrediction(label: "rock", probabilities: ["rock": 0.75, "jazz": 0.25])])
        }
        let failure = SongFailure(songID: batch[2].id, message: "song2.wav: not a readable audio file")
        try await store.complete(worker: "a", results: results, failures: [failure], busySeconds: 1.5)
        let value8 = try await store.counts()
        XCTAssertEqual(value8, CatalogCounts(pending: 2, done: 2, failed: 1))
        // A second worker writing the same results (it lost a lease race) neither duplicates nor changes states.
        try await store.complete(worker: "b", results: results, failures: [], busySeconds: 1)
        let value9 = try await store.counts()
        XCTAssertEqual(value9, CatalogCounts(pending: 2, done: 2, failed: 1))
        let rows = try await store.exportChunk(after: 0, limit: 10)
        XCTAssertEqual(rows.count, 5)
        XCTAssertEqual(rows[0].features, [SongFeatures(spec: "mfcc", vector: [1, 2, Float(batch[0].id)], windowCount: 4)])
        XCTAssertEqual(rows[1].tags["MSD_musicnn"], ["rock": 0.5, "jazz": 0.25])
        XCTAssertEqual(rows[1].predictions["genres"], SongPrediction(label: "rock", probabilities: ["rock": 0.75, "jazz": 0.25]))
        XCTAssertEqual(rows[2].song.state, .failed)
        XCTAssertEqual(rows[2].song.error, failure.message)
        XCTAssertEqual(rows[3].features, [])
        let value10 = try await store.failures(limit: 10)
        XCTAssertEqual(value10, [CatalogFailure(id: batch[2].id, location: "/music/song2.wav", message: failure.message, attempts: 1)])
        let workers = try await store.workers()
        XCTAssertEqual(Set(workers.map(\.name)), ["a", "b"])
        XCTAssertEqual(workers.first { $0.name == "a" }.map { [$0.done, $0.failed] }, [2, 1])
        XCTAssertEqual(workers.first { $0.name == "a" }?.busySeconds, 1.5)
        let value11 = try await store.featureSpecs()
        XCTAssertEqual(value11, ["mfcc"])
        let value12 = try await store.vector(songID: batch[1].id, spec: "mfcc")
        XCTAssertEqual(value12, [1, 2, Float(batch[1].id)])
        let value13 = try await store.vector(songID: batch[2].id, spec: "mfcc")
        XCTAssertNil(value13)

        let value14 = try await store.retry(.failed)
        XCTAssertEqual(value14, 1)
        let value15 = try await store.counts()
        XCTAssertEqual(value15, CatalogCounts(pending: 3, done: 2))
        let value16 = try await store.retry(.all)
        XCTAssertEqual(value16, 2)
        let value17 = try await store.counts()
        XCTAssertEqual(value17, CatalogCounts(pending: 5))
        let value18 = try await store.vector(songID: batch[1].id, spec: "mfcc")
        XCTAssertEqual(value18, [1, 2, Float(batch[1].id)], "results stay until overwritten")
    }

    func expiredLeasesReturn() async throws {
        _ = try await store.migrate()
        _ = try await store.add(Self.songs(2))
        let a = try await store.claim(worker: "a", limit: 1, leaseSeconds: 0.3)
        let b = try await store.claim(worker: "b", limit: 1, leaseSeconds: 30)
        let value19 = try await store.renew(worker: "b", ids: b.map(\.id), leaseSeconds: 30)
        XCTAssertEqual(value19, 1)
        let value20 = try await store.renew(worker: "c", ids: b.map(\.id), leaseSeconds: 30)
        XCTAssertEqual(value20, 0, "only the owner renews")
        let value21 = try await store.claim(worker: "c", limit: 5, leaseSeconds: 30)
        XCTAssertEqual(value21, [])
        try await Task.sleep(nanoseconds: 600_000_000)
        let c = try await store.claim(worker: "c", limit: 5, leaseSeconds: 30)
        XCTAssertEqual(c.map(\.id), a.map(\.id), "a's expired lease went to c; b's live lease stayed")
        XCTAssertEqual(c.first?.attempts, 2)
        // a comes back late: its results are stored, but the song stays c's until c completes it.
        try await store.complete(worker: "a", results: [SongResult(songID: a[0].id)], failures: [], busySeconds: 1)
        let value22 = try await store.counts()
        XCTAssertEqual(value22, CatalogCounts(leased: 2))
        try await store.release(worker: "c", ids: c.map(\.id))
        let value23 = try await store.counts()
        XCTAssertEqual(value23, CatalogCounts(pending: 1, leased: 1))
        let value24 = try await store.song(id: a[0].id)?.attempts
        XCTAssertEqual(value24, 1, "a release does not count as an attempt")
    }

    func aSongThatKillsItsWorkersFails() async throws {
        _ = try await store.migrate()
        _ = try await store.add(Self.songs(1))
        for attempt in 1...CatalogQueue.maximumAttempts {
            let batch = try await store.claim(worker: "w\(attempt)", limit: 1, leaseSeconds: 0.1)
            XCTAssertEqual(batch.first?.attempts, attempt)
            try await Task.sleep(nanoseconds: 250_000_000)
        }
        let value25 = try await store.claim(worker: "last", limit: 1, leaseSeconds: 10)
        XCTAssertEqual(value25, [])
        let value26 = try await store.counts()
        XCTAssertEqual(value26, CatalogCounts(failed: 1))
        let value27 = try await store.failures(limit: 5).first?.message
        XCTAssertEqual(value27, CatalogQueue.lostMessage(CatalogQueue.maximumAttempts))
    }

    /// Two workers over 60 songs, every seventh bad: each good song done once, bad ones failed with their message.
    func workersFinishTheQueue() async throws {
        _ = try await store.migrate()
        let songs = (0..<60).map { CatalogSong(location: $0 % 7 == 3 ? "/music/bad\($0).wav" : "/music/good\($0).wav") }
        _ = try await store.add(songs)
        let calls = Locked([String: Int]())
        let processor = FakeProcessor(calls: calls)
        let summaries = try await withThrowingTaskGroup(of: CatalogWorkSummary.self) { group in
            for w in 0..<2 {
                group.addTask { [store] in
                    var options = CatalogWorkOptions(worker: "worker\(w)")
                    options.batch = 5
                    options.concurrency = 2
                    options.pollSeconds = 0.05
                    return try await CatalogWorker(store: store, processor: processor, options: options).run()
                }
            }
            var out: [CatalogWorkSummary] = []
            for try await s in group { out.append(s) }
            return out
        }
        let bad = songs.filter { $0.location.contains("bad") }.count
        XCTAssertEqual(summaries.map(\.done).reduce(0, +), 60 - bad)
        XCTAssertEqual(summaries.map(\.failed).reduce(0, +), bad)
        let value28 = try await store.counts()
        XCTAssertEqual(value28, CatalogCounts(done: 60 - bad, failed: bad))
        XCTAssert(calls.value.values.allSatisfy { $0 == 1 }, "every song processed once")
        XCTAssertEqual(calls.value.count, 60)
        let failures = try await store.failures(limit: 100)
        XCTAssertEqual(failures.map(\.location), songs.map(\.location).filter { $0.contains("bad") })
        XCTAssert(failures.allSatisfy { $0.message == "\($0.location): not a readable audio file" })
        let rows = try await store.exportChunk(after: 0, limit: 100)
        for row in rows where row.song.state == .done {
            XCTAssertEqual(row.features.first?.vector, FakeProcessor.vector(row.song.location))
        }
    }

    /// A stop request: the started file is stored, the rest of the batch returns to the queue.
    func stopReleasesTheRestOfTheBatch() async throws {
        _ = try await store.migrate()
        _ = try await store.add(Self.songs(10))
        let stop = CatalogStopFlag()
        var options = CatalogWorkOptions(worker: "stopping")
        options.batch = 10
        options.concurrency = 1
        let summary = try await CatalogWorker(store: store, processor: StoppingProcessor(stop: stop), options: options).run(stop: stop)
        XCTAssertEqual(summary.done, 1)
        XCTAssertEqual(summary.released, 9)
        let value29 = try await store.counts()
        XCTAssertEqual(value29, CatalogCounts(pending: 9, done: 1))
    }

    func exportStreamsInChunks() async throws {
        _ = try await store.migrate()
        _ = try await store.add(Self.songs(10))
        let batch = try await store.claim(worker: "a", limit: 10, leaseSeconds: 60)
        let results = batch.filter { $0.id % 3 != 0 }.map { SongResult(songID: $0.id, features: [SongFeatures(spec: "s", vector: [Float($0.id), 0.5], windowCount: 2)]) }
        try await store.complete(worker: "a", results: results, failures: [], busySeconds: 1)
        var export = CatalogExport(format: .jsonl)
        export.chunkSize = 3
        var lines: [String] = []
        let value30 = try await export.write(from: store) { lines.append($0) }
        XCTAssertEqual(value30, 10)
        XCTAssertEqual(lines.count, 10)
        for (line, song) in zip(lines, batch) {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["id"] as? Int, Int(song.id))
            XCTAssertEqual(object["location"] as? String, song.location)
        }
        var csv = CatalogExport(format: .csv)
        csv.chunkSize = 4
        var rows: [String] = []
        let value31 = try await csv.write(from: store) { rows.append($0) }
        XCTAssertEqual(value31, results.count)
        XCTAssertEqual(rows.first, "id,label,f0,f1")
        let first = results[0].songID, index = Int(first - batch[0].id)
        XCTAssertEqual(rows[1], "/music/song\(index).wav,\(index % 2 == 0 ? "rock" : "jazz"),\(Float(first)),0.5")
        // The CSV is a feature table that genrekit train --feature-table reads.
        let path = NSTemporaryDirectory() + "catalog-export-\(UUID().uuidString.prefix(8)).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let table = try FeatureTable.read(csv: path)
        XCTAssertEqual(table.rowCount, results.count)
        XCTAssertEqual(table.columns, ["f0", "f1"])
        XCTAssertEqual(Array(table.row(0)), [Float(first), 0.5])
        XCTAssertEqual(table.labels[0], [index % 2 == 0 ? "rock" : "jazz"])
    }

    /// Exact kNN by cosine over several chunks equals a brute-force ranking computed in double precision.
    func similarEqualsBruteForce() async throws {
        _ = try await store.migrate()
        let n = 700, d = 19
        _ = try await store.add(Self.songs(n))
        var g = SeededGenerator(seed: 7)
        var vectors: [Int64: [Float]] = [:]
        while true {
            let batch = try await store.claim(worker: "v", limit: 100, leaseSeconds: 60)
            if batch.isEmpty { break }
            var results: [SongResult] = []
            for s in batch {
                let v = (0..<d).map { _ in Float.random(in: -1...1, using: &g) }
                vectors[s.id] = s.id % 97 == 5 ? [Float](repeating: 0, count: d) : v
                results.append(SongResult(songID: s.id, features: [SongFeatures(spec: "x", vector: vectors[s.id]!, windowCount: 1)]))
            }
            try await store.complete(worker: "v", results: results, failures: [], busySeconds: 0)
        }
        let query = (0..<d).map { _ in Float.random(in: -1...1, using: &g) }
        var search = SimilarSongs()
        search.chunkSize = 64
        let excluded = vectors.keys.min()!
        let found = try await search.search(store: store, spec: "x", query: query, k: 10, excluding: excluded)
        func cosine(_ v: [Float]) -> Double {
            let dot = zip(v, query).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let nv = v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot(), nq = query.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            return nv > 0 ? dot / (nv * nq) : 0
        }
        let brute = vectors.filter { $0.key != excluded }.map { ($0.key, cosine($0.value)) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        // float32 dot products of d terms: relative error below d·ε·(a few) of the |terms| sum, here ≤ 1 per unit vectors.
        let tolerance = Double(d) * Double(Float.ulpOfOne) * 4
        XCTAssertEqual(found.count, 10)
        for (f, b) in zip(found, brute.prefix(10)) {
            XCTAssertEqual(Double(f.similarity), b.1, accuracy: tolerance)
            if f.id != b.0 { XCTAssertEqual(cosine(vectors[f.id]!), b.1, accuracy: 2 * tolerance, "a different id only for a near tie") }
        }
        XCTAssertEqual(Set(found.map(\.id)).count, 10)
        do { _ = try await search.search(store: store, spec: "nothing", query: query, k: 3); XCTFail("no vectors of that spec") } catch let e as CatalogError {
            XCTAssertEqual(e, .noVectors(spec: "nothing"))
        }
    }
}

/// Fails for `bad` locations with a one-line message; otherwise a vector made from the location.
struct FakeProcessor: CatalogSongProcessing {
    let calls: Locked<[String: Int]>

    static func vector(_ location: String) -> [Float] { [Float(location.count), Float(location.utf8.reduce(0) { $0 + Int($1) })] }

    func process(path: String) throws -> SongResult {
        calls.withLock { $0[path, default: 0] += 1 }
        if path.contains("bad") { throw FakeError(path: path) }
        return SongResult(songID: 0, features: [SongFeatures(spec: "fake", vector: Self.vector(path), windowCount: 1)])
    }
}

struct FakeError: Error, CustomStringConvertible {
    let path: String
    var description: String { "\(path): not a readable audio file\nsecond line not stored" }
}

/// Asks the worker to stop while processing its first file.
struct StoppingProcessor: CatalogSongProcessing {
    let stop: CatalogStopFlag
    func process(path: String) throws -> SongResult {
        stop.stop()
        return SongResult(songID: 0)
    }
}
