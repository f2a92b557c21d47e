import Foundation
import GenreKit

/// `genrekit-bench extract`: feature extraction (MSD_musicnn max_pool, no cache) of a folder's files on all cores
/// against the warm reference (librosa + TensorFlow, model loaded, one file after another with TensorFlow's own
/// threads), in the same run; wall and CPU time on both sides. Then the parts outside the network, each timed alone
/// on the same files and all cores: content hashing, decoding (+ resampling), decoding + log-mel.
struct ExtractionBenchmarkCommand {
    let folder: String
    let limit: Int
    let spec: String
    init(arguments: [String]) throws {
        let o = try Options(arguments, known: ["folder", "limit", "features"])
        folder = o["folder"] ?? "/tmp/sg_b"
        limit = try o.int("limit", default: 100)
        spec = o["features"] ?? "MSD_musicnn:max_pool"
    }

    func run() throws {
        let items = Array(try Dataset.loadFolder(folder).items.prefix(limit))
        let paths = items.map(\.path)
        let spec = try FeatureSpec(parsing: self.spec)
        let extractor = try FeatureExtractor(spec: spec, model: try PretrainedModel.load(spec.model), cache: nil)
        let seconds = paths.reduce(0.0) { $0 + ((try? AudioDecoder.info(path: $1).duration) ?? 0) }
        print(String(format: "%d files from %@ (%.0f s of audio, %.1f s per file), %@, %d cores", paths.count, folder, seconds,
                     seconds / Double(max(1, paths.count)), self.spec, ProcessInfo.processInfo.activeProcessorCount))
        _ = extractor.extract(paths: Array(paths.prefix(2)))   // warm-up
        var ok = 0
        let gk = CPUClock.measure {
            ok = extractor.extract(paths: paths).filter { if case .success = $0 { return true } else { return false } }.count
        }
        print(String(format: "genrekit: %d files in %.2f s = %.1f files/s, CPU %.2f s (%.2f cores busy on average)",
                     ok, gk.wall, Double(ok) / gk.wall, gk.cpu, gk.cpu / gk.wall))
        if let ref = runReferenceScript("reference/bench_extract.py", [folder, "--limit", String(limit), "--model", spec.model]),
           let fps = ref["files_per_s"] as? Double, let refWall = ref["seconds"] as? Double {
            let refCPU = ref["cpu_s"] as? Double ?? .nan
            print(String(format: "reference (librosa + TensorFlow, warm): %.1f files/s, %.2f s, CPU %.2f s → GenreKit is %.2fx faster (wall), %.2fx (CPU)",
                         fps, refWall, refCPU, Double(ok) / gk.wall / fps, refCPU / gk.cpu))
        }
        // The parts outside the network, each alone on all cores (the files in parallel, as extraction runs them).
        let hashing = CPUClock.measure { _ = BatchRunner.map(paths) { try SHA256Hash.hexDigest(ofFileAt: $0) } }
        let decoder = AudioDecoder(sampleRate: MusicnnInput.sampleRate)
        let decoding = CPUClock.measure { _ = BatchRunner.map(paths) { try decoder.decode(path: $0).samples.count } }
        let frontEnd = MusicnnFrontEnd()
        let logMel = CPUClock.measure {
            _ = BatchRunner.map(paths) { path in
                var n = 0
                _ = try frontEnd.forEachLogMel(path: path) { n += $0.count }
                return n
            }
        }
        print("  outside the network, each part alone (wall / CPU, share of genrekit's CPU):")
        for (name, t) in [("content hashing (SHA-256)", hashing), ("decode + mix + resample", decoding), ("decode ... + log-mel", logMel)] {
            print(String(format: "    %-26@ %6.2f s / %6.2f s  %4.1f %%", name as NSString, t.wall, t.cpu, 100 * t.cpu / gk.cpu))
        }
    }
}

/// Wall and CPU (user + system, all threads of this process) time of a block.
struct CPUClock {
    var wall: Double
    var cpu: Double

    static func measure(_ body: () throws -> Void) rethrows -> CPUClock {
        let c0 = processCPU(), t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        return CPUClock(wall: wall, cpu: processCPU() - c0)
    }

    static func processCPU() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF_WHO, &u)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(u.ru_utime) + s(u.ru_stime)
    }
}
