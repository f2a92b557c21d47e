import Dispatch
import Foundation
import GenreKit
import GenreKitCatalog

/// `genrekit-bench catalog`: the catalog's queue and search against a throwaway local PostgreSQL server (default
/// settings: fsync on), and SQLite.
///
/// 1. `add` of 100k songs (batched inserts), both stores.
/// 2. Queue overhead alone: W in-process workers (1, 8, 64) claim and complete no-op batches; songs/s and p99
///    claim latency, for batches of 32 (the default) and of 1 (one transaction pair per song).
/// 3. Real work (`--folder`, `--features`): `genrekit catalog work` as one process using every core against as many
///    single-core processes as there are cores, same songs; the ratio is the scale-out efficiency.
/// 4. `similar` over 100k generated 753-d vectors: seconds per query, and equality with a brute-force ranking.
struct CatalogBenchmarkCommand {
    let folder: String
    let spec: String
    let limit: Int
    let queueSongs: Int
    let vectors: Int
    let parts: Set<String>

    init(arguments: [String]) throws {
        let o = try Options(arguments, known: ["folder", "features", "limit", "songs", "vectors", "parts"])
        folder = o["folder"] ?? "/tmp/sg_a"
        spec = o["features"] ?? "MSD_musicnn:max_pool"
        limit = try o.int("limit", default: 48)
        queueSongs = try o.int("songs", default: 20_000)
        vectors = try o.int("vectors", default: 100_000)
        let all: Set<String> = ["add", "queue", "work", "similar"]
        parts = Set(try o.list("parts", default: "add,queue,work,similar") { all.contains($0) ? $0 : nil })
    }

    func run() throws {
        let server = try TemporaryPostgresServer(durable: true)
        defer { server.stop() }
        emit("PostgreSQL \(try server.psql("SHOW server_version")) at \(server.url) (fsync on, synchronous_commit on); "
              + "\(ProcessInfo.processInfo.activeProcessorCount) cores shared by server and workers")
        var databases = 0
        func fresh() throws -> String {
            databases += 1
            try server.psql("CREATE DATABASE bench\(databases)")
            return "postgres://genrekit@127.0.0.1:\(server.port)/bench\(databases)"
        }
        let tmp = NSTemporaryDirectory() + "genrekit-bench-catalog-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }

        if parts.contains("add") {
            let songs = (0..<100_000).map { CatalogSong(location: "/catalog/artist\($0 / 100)/song\($0).mp3", size: Int64(3_000_000 + $0), mtime: 1.7e9) }
            for (name, location) in [("sqlite", "sqlite:" + tmp + "/add.sqlite"), ("postgres", try fresh())] {
                let (first, again) = try blocking {
                    let store = try CatalogLocation.open(location)
                    _ = try await store.migrate()
                    let t0 = Date()
                    for i in stride(from: 0, to: songs.count, by: 10_000) { _ = try await store.add(Array(songs[i..<i + 10_000])) }
                    let t1 = Date()
                    for i in stride(from: 0, to: songs.count, by: 10_000) { _ = try await store.add(Array(songs[i..<i + 10_000])) }
                    let t2 = Date()
                    await store.close()
                    return (t1.timeIntervalSince(t0), t2.timeIntervalSince(t1))
                }
                emit(String(format: "add 100k songs, %@: %.2f s (%.0f songs/s); again (unchanged): %.2f s", name, first, 1e5 / first, again))
            }
        }
        if parts.contains("queue") {
            for batch in [32, 1] {
                for workers in [1, 8, 64] {
                    let n = batch == 1 ? queueSongs / 4 : queueSongs
                    let r = try queueOverhead(url: try fresh(), songs: n, workers: workers, batch: batch)
                    emit(String(format: "queue, batch %2d, %2d workers: %6.0f songs/s (%d songs in %.2f s); claim latency p50 %.1f ms, p99 %.1f ms",
                                 batch, workers, Double(n) / r.seconds, n, r.seconds, r.p50 * 1000, r.p99 * 1000))
                }
            }
        }
        if parts.contains("work") { try realWork(url: try fresh()) }
        if parts.contains("similar") {
            for (name, location) in [("sqlite", "sqlite:" + tmp + "/similar.sqlite"), ("postgres", try fresh())] {
                try similar(name: name, location: location)
            }
        }
    }

    /// W tasks claiming and completing no-op batches until the queue is empty.
    func queueOverhead(url: String, songs: Int, workers: Int, batch: Int) throws -> (seconds: Double, p50: Double, p99: Double) {
        try blocking {
            let store = try PostgresCatalogStore(url: url, maximumConnections: workers)
            _ = try await store.migrate()
            for i in stride(from: 0, to: songs, by: 10_000) {
                _ = try await store.add((i..<min(i + 10_000, songs)).map { CatalogSong(location: "/q/\($0)") })
            }
            let t0 = Date()
            let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
                for w in 0..<workers {
                    group.addTask {
                        var mine: [Double] = []
                        while true {
                            let c0 = Date()
                            let claimed = try await store.claim(worker: "bench\(w)", limit: batch, leaseSeconds: 60)
                            mine.append(Date().timeIntervalSince(c0))
                            if claimed.isEmpty { return mine }
                            try await store.complete(worker: "bench\(w)", results: claimed.map { SongResult(songID: $0.id) }, failures: [], busySeconds: 0)
                        }
                    }
                }
                var all: [Double] = []
                for try await l in group { all += l }
                return all.sorted()
            }
            let seconds = Date().timeIntervalSince(t0)
            let counts = try await store.counts()
            await store.close()
            guard counts.done == songs else { throw CatalogError.corrupt(store: url, reason: "\(counts.done) of \(songs) done") }
            return (seconds, latencies[latencies.count / 2], latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))])
        }
    }
}

/// Runs async work from the synchronous benchmark driver.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = Locked<Result<T, Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { let v = try await body(); box.withLock { $0 = .success(v) } } catch { box.withLock { $0 = .failure(error) } }
        done.signal()
    }
    done.wait()
    return try box.value!.get()
}

/// Writes a result line at once (unbuffered, so a long run shows each result as it is measured).
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
