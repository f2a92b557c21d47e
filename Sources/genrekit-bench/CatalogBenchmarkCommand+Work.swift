import Foundation
import GenreKit
import GenreKitCatalog

extension CatalogBenchmarkCommand {
    /// One `genrekit catalog work` process using every core against one single-job process per core, same songs.
    func realWork(url: String) throws {
        let files = Array(Dataset.audioFiles(at: folder).prefix(limit))
        guard !files.isEmpty else { emit("work: no audio files in \(folder) (--folder)"); return }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("genrekit").path
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let base = String(url.split(separator: "/").last!)
        var runs = 0
        func timed(processes: Int, jobs: Int) throws -> Double {
            runs += 1
            let db = "\(base)_work\(runs)"
            try? CatalogBenchmarkCommand.psql(url: url, "CREATE DATABASE \(db)")
            let store = url.replacingOccurrences(of: "/" + base, with: "/" + db)
            _ = try blocking {
                let s = try PostgresCatalogStore(url: store)
                _ = try await s.migrate()
                _ = try await s.add(files.map { CatalogSongSource.song(location: $0, labels: "") })
                await s.close()
                return 0
            }
            let t0 = Date()
            let ps = try (0..<processes).map { i -> Process in
                let p = Process()
                p.executableURL = URL(fileURLWithPath: exe)
                p.arguments = ["catalog", "work", "--store", store, "--features", spec, "--batch", "4", "--jobs", String(jobs), "--worker", "bench\(i)"]
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                try p.run()
                return p
            }
            for p in ps { p.waitUntilExit() }
            let seconds = Date().timeIntervalSince(t0)
            guard ps.allSatisfy({ $0.terminationStatus == 0 }) else { throw CatalogError.serverStart("a genrekit catalog work process failed") }
            let done = try blocking {
                let s = try PostgresCatalogStore(url: store)
                let c = try await s.counts()
                await s.close()
                return c.done + c.failed
            }
            guard done == files.count else { throw CatalogError.corrupt(store: store, reason: "\(done) of \(files.count) songs finished") }
            return seconds
        }
        let one1 = try timed(processes: 1, jobs: cores)
        let many = try timed(processes: cores, jobs: 1)
        let one2 = try timed(processes: 1, jobs: cores)
        let one = (one1 + one2) / 2
        emit(String(format: "work %@ on %d files of %@ (model loading included):", spec, files.count, folder))
        emit(String(format: "  1 process × %d jobs: %.2f s, %.2f s (mean %.2f s, %.2f songs/s, %.3f core-seconds per song)",
                     cores, one1, one2, one, Double(files.count) / one, one * Double(cores) / Double(files.count)))
        emit(String(format: "  %d processes × 1 job: %.2f s (%.2f songs/s) = %.1f %% of one process using every core (goal ≥ 95 %%)",
                     cores, many, Double(files.count) / many, 100 * one / many))
    }

    static func psql(url: String, _ sql: String) throws {
        guard let c = URLComponents(string: url), let port = c.port else { return }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try TemporaryPostgresServer.findBinaries() + "/psql")
        p.arguments = ["-h", c.host ?? "127.0.0.1", "-p", String(port), "-U", c.user ?? "genrekit", "-d", "postgres", "-qAtc", sql]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
    }

    /// Exact cosine kNN over `vectors` generated 753-d song vectors, against a brute-force ranking.
    func similar(name: String, location: String) throws {
        let d = 753, n = vectors
        var g = SeededGenerator(seed: 42)
        var all = [Float](repeating: 0, count: n * d)
        for i in all.indices { all[i] = Float.random(in: -1...1, using: &g) }
        let query = (0..<d).map { _ in Float.random(in: -1...1, using: &g) }
        let snapshot = all
        let (insert, times, found) = try blocking {
            let store = try CatalogLocation.open(location)
            _ = try await store.migrate()
            let t0 = Date()
            var ids: [Int64] = []
            for i in stride(from: 0, to: n, by: 10_000) {
                _ = try await store.add((i..<min(i + 10_000, n)).map { CatalogSong(location: "/v/\($0)") })
            }
            for chunk in try await store.exportChunk(after: 0, limit: n) { ids.append(chunk.song.id) }
            for i in stride(from: 0, to: n, by: 2000) {
                let results = (i..<min(i + 2000, n)).map {
                    SongResult(songID: ids[$0], features: [SongFeatures(spec: "bench", vector: Array(snapshot[$0 * d..<($0 + 1) * d]), windowCount: 1)])
                }
                try await store.complete(worker: "generator", results: results, failures: [], busySeconds: 0)
            }
            let insert = Date().timeIntervalSince(t0)
            var times: [Double] = []
            var found: [SimilarSongs.Match] = []
            for _ in 0..<3 {
                let t = Date()
                found = try await SimilarSongs().search(store: store, spec: "bench", query: query, k: 10)
                times.append(Date().timeIntervalSince(t))
            }
            await store.close()
            return (insert, times, found.map { (Int($0.id - ids[0]), $0.similarity) })
        }
        // Brute force in double precision.
        let qn = query.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        var scored: [(Int, Double)] = []
        scored.reserveCapacity(n)
        for i in 0..<n {
            var dot = 0.0, nn = 0.0
            for j in 0..<d { let x = Double(all[i * d + j]); dot += x * Double(query[j]); nn += x * x }
            scored.append((i, dot / (nn.squareRoot() * qn)))
        }
        let brute = scored.sorted { $0.1 > $1.1 }.prefix(10)
        let same = found.map(\.0) == brute.map(\.0)
        let worst = zip(found, brute).map { abs(Double($0.1) - $1.1) }.max() ?? 0
        emit(String(format: "similar, %@, %d × %d vectors: query %.3f s (median of 3: %@; goal ≤ 1 s); top 10 %@ brute force (max |Δ| %.1e); stored in %.1f s",
                     name, n, d, median(times), times.map { String(format: "%.3f", $0) }.joined(separator: ", "), same ? "equal to" : "DIFFERS from",
                     worst, insert))
    }
}
