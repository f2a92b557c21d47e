import Foundation
import GenreKit
import GenreKitBenchmarks

/// `genrekit-bench frontend|model [options]`: GenreKit against the Python reference, measured in the same run.
///
/// The reference runs through `reference/bench_reference.py` with the interpreter in `GENREKIT_REFERENCE_PYTHON`
/// (default: `reference/.venv/bin/python`, then `/opt/genrekit-ref/bin/python`); without one, only GenreKit is timed.
@main
struct Benchmark {
    static func main() throws {
        var args = Array(CommandLine.arguments.dropFirst())
        if args.contains("--help") || args.contains("-h") || args.first == "help" { usage(); exit(0) }
        guard let what = args.first else { usage(); exit(2) }
        args.removeFirst()
        // The same OpenBLAS setting as the command-line tool, so in-process figures are what `genrekit` runs.
        BLASThreads.shortenIdleSpinning()
        do {
            switch what {
            case "frontend": try FrontEndBenchmark(arguments: args).run()
            case "model": try ModelBenchmarkCommand(arguments: args).run()
            case "learning":
                let selection = try ModelSelectionBenchmark(arguments: args)
                try LearningBenchmarkCommand().run()
                try selection.run()
            case "extract": try ExtractionBenchmarkCommand(arguments: args).run()
            case "finetune": try FineTuneBenchmarkCommand(arguments: args).run()
            case "yamnet": try YAMNetBenchmarkCommand(arguments: args).run()
            case "catalog": try CatalogBenchmarkCommand(arguments: args).run()
            default: throw BenchUsageError(description: "unknown benchmark \(what)")
            }
        } catch let e as BenchUsageError {
            FileHandle.standardError.write(Data("genrekit-bench: \(e.description) (genrekit-bench --help lists the options)\n".utf8))
            exit(2)
        }
    }

    static func usage() {
        print("""
        usage: genrekit-bench frontend [--file F] [--repeat N]
               genrekit-bench learning [--songs 300] [--windows 8] [--features 753] [--classes 10]
               genrekit-bench extract [--folder F] [--limit N] [--features SPEC]
               genrekit-bench finetune [--model MSD_musicnn] [--batch 32] [--steps 5] [--stages all,midend,backend,head]
                                       [--precisions fp32,bf16]
               genrekit-bench model [--file F] [--models MSD_musicnn,MTT_musicnn] [--repeat N] [--process no]
                                    [--precisions fp32,bf16,int8] [--drift-files a.mp3,b.mp3]
               genrekit-bench yamnet [--file F] [--repeat N]
               genrekit-bench catalog [--folder F] [--features SPEC] [--limit N] [--songs N] [--vectors N] [--parts add,queue,work,similar]
          frontend  decode + log-mel + windows of a 5-minute file vs librosa (same run)
          learning  logistic-regression probe fit, 10,000 × 753, vs scikit-learn on the same data; then `train`'s
                    model selection + final fit (--classifier auto and svm) on generated song features vs
                    scikit-learn's GridSearchCV with the same grid, folds and scoring
          extract   feature extraction of a folder (--folder F --limit 100) on all cores vs warm librosa + TensorFlow
          finetune  training segments/s per fine-tuning stage (head, backend, midend, all) in fp32 and bf16 GEMMs, the
                    whole network's training GFLOP/s against the peak of its precision (sgemm, oneDNN bf16) in the same run
          model     decode + mel + network on a 5-minute file vs librosa + TensorFlow, GFLOP/s per layer group,
                    sgemm peak, and whole-process genrekit tag vs python -m musicnn.tagger
          yamnet    YAMNet (network only) on a 5-minute file vs tf.lite.Interpreter (XNNPACK and reference kernels)
          catalog   catalog store against a throwaway local PostgreSQL: add 100k songs, queue overhead (claim + complete
                    no-op, 1/8/64 workers; songs/s, p99 claim latency), real work with 1 process vs 1 per core,
                    similar over 100k 753-d vectors vs brute force
        """)
    }
}

/// Parsed `--name value` options of one subcommand. An unknown name, a name without a value or a value of the wrong
/// kind is a ``BenchUsageError``, not a silently used default.
struct Options {
    private var values: [String: String] = [:]

    init(_ args: [String], known: Set<String>) throws {
        var i = 0
        while i < args.count {
            let name = args[i].hasPrefix("--") ? String(args[i].dropFirst(2)) : ""
            guard known.contains(name) else {
                throw BenchUsageError(description: "unknown option \(args[i]); this command takes " + known.sorted().map { "--" + $0 }.joined(separator: ", "))
            }
            guard i + 1 < args.count else { throw BenchUsageError(description: "\(args[i]) needs a value") }
            values[name] = args[i + 1]
            i += 2
        }
    }

    subscript(_ key: String) -> String? { values[key] }

    /// `--key N` as a positive whole number, or `defaultValue` when not given.
    func int(_ key: String, default defaultValue: Int) throws -> Int {
        guard let text = values[key] else { return defaultValue }
        guard let n = Int(text), n > 0 else { throw BenchUsageError(description: "--\(key) takes a positive whole number, not \(text)") }
        return n
    }

    /// `--key a,b,c`, each item parsed by `parse`, or `defaultValue` parsed the same way when not given.
    func list<T>(_ key: String, default defaultValue: String, _ parse: (String) -> T?) throws -> [T] {
        try (values[key] ?? defaultValue).split(separator: ",").map { item in
            guard let v = parse(String(item)) else { throw BenchUsageError(description: "--\(key): unknown value \(item)") }
            return v
        }
    }
}

/// A command line `genrekit-bench` cannot run: printed as one line, with the usage, exit status 2.
struct BenchUsageError: Error, CustomStringConvertible {
    let description: String
}

/// Median of run times, in seconds.
func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s.isEmpty ? .nan : s[s.count / 2] }

/// Times `body` `repeat` times after one warm-up run.
func timeRuns(repeat n: Int, _ body: () throws -> Void) rethrows -> [Double] {
    try body()
    var times: [Double] = []
    for _ in 0..<max(1, n) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    return times
}

/// Runs `reference/bench_reference.py` and returns its JSON, or nil when no reference environment exists.
func runReference(_ arguments: [String]) -> [String: Any]? {
    runReferenceScript("reference/bench_reference.py", arguments)
}

/// Runs a `reference/` script with the reference interpreter and returns its last JSON line.
func runReferenceScript(_ script: String, _ arguments: [String]) -> [String: Any]? {
    let env = ProcessInfo.processInfo.environment
    let candidates = [env["GENREKIT_REFERENCE_PYTHON"], "reference/.venv/bin/python", "/opt/genrekit-ref/bin/python"].compactMap { $0 }
    guard let python = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        print("reference: no Python reference environment found (set GENREKIT_REFERENCE_PYTHON); timing GenreKit only")
        return nil
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = [script] + arguments
    var e = env; e["TF_USE_LEGACY_KERAS"] = "1"; e["TF_CPP_MIN_LOG_LEVEL"] = "3"
    p.environment = e
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { print("reference: cannot run \(python): \(error)"); return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0, let line = String(data: data, encoding: .utf8)?.split(separator: "\n").last,
          let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        print("reference: \(script) failed (exit \(p.terminationStatus))"); return nil
    }
    return json
}

/// A 5-minute stereo 44.1 kHz test song (chords, noise bursts), written once to the temporary directory.
func syntheticSong(seconds: Int = 300, format: AudioEncoder.Format = .mp3) throws -> String {
    let path = NSTemporaryDirectory() + "genrekit-bench-\(seconds)s.\(format == .mp3 ? "mp3" : "wav")"
    if FileManager.default.fileExists(atPath: path) { return path }
    let sr = 44100, n = sr * seconds
    var x = [Float](repeating: 0, count: 2 * n)
    var state: UInt32 = 1
    let chords: [[Double]] = [[220, 277.18, 329.63], [196, 246.94, 293.66], [174.61, 220, 261.63], [196, 246.94, 311.13]]
    for i in 0..<n {
        let t = Double(i) / Double(sr)
        let chord = chords[(i / (sr * 2)) % chords.count]
        var s = 0.0
        for f in chord { s += 0.15 * sin(2 * .pi * f * t) }
        state = 1664525 &* state &+ 1013904223
        let noise = (Double(state >> 8) / 0x1p24 - 0.5) * (i % (sr / 2) < 2000 ? 0.6 : 0.02)
        x[2 * i] = Float(s + noise)
        x[2 * i + 1] = Float(0.9 * s - noise)
    }
    try AudioEncoder.write(x, channels: 2, sampleRate: sr, format: format, to: path)
    return path
}
