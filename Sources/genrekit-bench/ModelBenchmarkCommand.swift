import Foundation
import GenreKit
import GenreKitBenchmarks

/// End-to-end tagging of one file (decode + log-mel + network, warm) against the reference stack (librosa +
/// TensorFlow, one batch after a warm-up at the same shape), per-layer-group GFLOP/s, the OpenBLAS sgemm rate on a
/// square problem, and whole-process `genrekit tag` against `python -m musicnn.tagger`.
struct ModelBenchmarkCommand {
    let file: String?
    let models: [String]
    let repeats: Int
    let processRuns: Bool
    let precisions: [InferencePrecision]
    /// Real recordings for the drift table (e.g. musicnn's two example MP3s), besides the synthetic song.
    let driftFiles: [String]

    init(arguments: [String]) throws {
        let o = try Options(arguments, known: ["file", "models", "repeat", "process", "precisions", "drift-files"])
        file = o["file"]
        models = try o.list("models", default: "MSD_musicnn,MTT_musicnn") { ModelArchitecture.named($0) == nil ? nil : $0 }
        repeats = try o.int("repeat", default: 3)
        guard let process = ["yes": true, "no": false][o["process"] ?? "yes"] else {
            throw BenchUsageError(description: "--process takes yes or no, not \(o["process"]!)")
        }
        processRuns = process
        precisions = try o.list("precisions", default: "fp32,bf16,int8") { InferencePrecision(rawValue: $0) }
        driftFiles = try o.list("drift-files", default: "") { $0 }
    }

    func run() throws {
        let path = try file ?? syntheticSong()
        let info = try AudioDecoder.info(path: path)
        print("file: \(path) (\(info.format), \(info.channels) ch, \(info.sampleRate) Hz, \(String(format: "%.1f", info.duration)) s)")
        let peak = ModelBenchmark.sgemmGFlops(n: 1024, repetitions: 5)
        print(String(format: "OpenBLAS sgemm 1024³ (core %@): %.1f GFLOP/s (this run's fp32 peak reference)",
                     PrecisionBenchmark.openblasCore as NSString, peak))
        print("oneDNN \(DNNLEngine.version), ISA \(DNNLEngine.effectiveISA)")
        var peaks: [InferencePrecision: Double] = [.fp32: peak]
        for p in InferencePrecision.allCases {
            let r = PrecisionBenchmark.onednnGFlops(p)
            print("oneDNN matmul 1024³ \(p.rawValue): " + (r.map { String(format: "%.1f GFLOP/s", $0) } ?? "no implementation here"))
            if p != .fp32, let r { peaks[p] = r }
            if p == .fp32, let r { peaks[.fp32] = max(peak, r) }
        }
        print(String(format: "fp32 peak used below: %.1f GFLOP/s (the better of OpenBLAS and oneDNN)", peaks[.fp32]!))
        for name in models {
            let loaded = try PretrainedModel.load(name)
            var fp32Time = Double.nan
            for precision in precisions {
                let (model, notice) = loaded.withPrecision(precision)
                if let notice { print(notice); continue }
                let tagger = try Tagger(model: model)
                // The session-11 pipeline (decoding, resampling and log-mel on one thread; chunks at normal priority),
                // timed in turn with today's so that both see the same moments of a busy host.
                var inLine = tagger
                inLine.decodesAhead = false
                inLine.chunkNice = 0
                func once(_ t: Tagger) throws -> Double {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    _ = try t.analyze(path: path)
                    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                }
                let windows = try tagger.analyze(path: path).taggram.shape[0]    // warm-up, both
                _ = try inLine.analyze(path: path)
                var times: [Double] = [], inLineTimes: [Double] = []
                for _ in 0..<max(1, repeats) {
                    times.append(try once(tagger))
                    inLineTimes.append(try once(inLine))
                }
                let gk = median(times)
                if precision == .fp32 { fp32Time = gk }
                print(String(format: "\n%@ %@: genrekit %.3f s end to end (decode + mel + %d windows), median of %d, model loaded%@",
                             name, precision.rawValue, gk, windows, repeats,
                             precision == .fp32 || !fp32Time.isFinite ? "" : String(format: " → %.2fx the fp32 path", fp32Time / gk)))
                print(String(format: "  the same with decoding, resampling and log-mel on one thread and chunks at normal priority: %.3f s (%.2fx)",
                             median(inLineTimes), median(inLineTimes) / gk))
                let fe = MusicnnFrontEnd()
                let (logMel, frames, audio) = try fe.logMel(path: path)
                let netTimes = timeRuns(repeat: repeats) {
                    _ = tagger.analyze(logMel: logMel, frames: frames, path: path, source: audio.source)
                }
                print(String(format: "  network only (as the tagger runs it: window chunks on all cores): %.3f s for %d windows", median(netTimes), windows))
                // Peaks again, right before the tables that are shares of them: each peak is the highest measured so
                // far in this run, so a slow moment (a busy host) at the start cannot inflate the shares.
                peaks[.fp32] = max(peaks[.fp32] ?? 0, ModelBenchmark.sgemmGFlops(n: 1024, repetitions: 5))
                for p in InferencePrecision.allCases {
                    if let r = PrecisionBenchmark.onednnGFlops(p) { peaks[p] = max(peaks[p] ?? 0, r) }
                }
                print("  peaks (the highest measured so far in this run): " + InferencePrecision.allCases.compactMap { p in
                    peaks[p].map { String(format: "%@ %.1f", p.rawValue as NSString, $0) } }.joined(separator: ", ") + " GFLOP/s")
                let pk = peaks[precision] ?? peak
                if case .musicnn(let m) = model {
                    let stages = ModelBenchmark.stages(m, patches: 10, repetitions: 5)
                    if let whole = stages.last {
                        let rate = whole.executedFlops / 10 * Double(windows) / median(netTimes) / 1e9
                        if whole.precision == nil {
                            print(String(format: "  network executed rate in that mode: %.1f GFLOP/s (timbral branches int8, the rest %@)", rate,
                                         (stages.first { $0.name.hasPrefix("midend") }?.precision?.rawValue ?? "?") as NSString))
                        } else {
                            print(String(format: "  network executed rate in that mode: %.1f GFLOP/s = %.0f%% of this run's %@ peak", rate, 100 * rate / pk, precision.rawValue))
                        }
                    }
                    /// A stage's share of its own precision's peak ("mixed" where its GEMMs mix formats).
                    func share(_ s: ModelBenchmark.Stage) -> String {
                        guard let p = s.precision else { return "mixed" }
                        let pp = peaks[p] ?? peak
                        return String(format: "%3.0f%% of %@ peak", 100 * s.executedGFlops / pp, p.rawValue)
                    }
                    print("  per layer group, one 10-patch call with threaded GEMMs (share of the peak of the group's precision):")
                    for s in stages {
                        print(String(format: "  %-22@ %7.2f ms/10 patches  nominal %6.1f GFLOP/s  executed %6.1f GFLOP/s (%@)",
                                     s.name as NSString, s.seconds * 1000, s.nominalGFlops, s.executedGFlops, share(s) as NSString))
                    }
                    let cores = ProcessInfo.processInfo.activeProcessorCount, chunk = tagger.chunkWindows
                    if cores > 1 {
                        print("  per layer group as the tagger runs it: \(cores) calls of \(chunk) patches at once, one per core, single-threaded GEMMs (share of the same peak):")
                        for s in ModelBenchmark.stages(m, patches: chunk, repetitions: 5, copies: cores) {
                            print(String(format: "  %-22@ %7.2f ms/%d×%d patches  nominal %6.1f GFLOP/s  executed %6.1f GFLOP/s (%@)",
                                         s.name as NSString, s.seconds * 1000, cores, chunk, s.nominalGFlops, s.executedGFlops, share(s) as NSString))
                        }
                    }
                }
                if precision == .fp32, let ref = runReference([path, "--model", name, "--repeat", String(repeats)]),
                   let fe = ref["frontend_s"] as? Double, let inf = ref["inference_s"] as? Double {
                    print(String(format: "  reference: librosa %.3f s + TensorFlow %.3f s = %.3f s → GenreKit is %.2fx faster end to end",
                                 fe, inf, fe + inf, (fe + inf) / gk))
                }
            }
            if case .musicnn(let m) = loaded { try driftTable(m, synthetic: path) }
        }
        print("\nkernels that ran: OpenBLAS core \(PrecisionBenchmark.openblasCore); oneDNN ISA \(DNNLEngine.effectiveISA)")
        for (impl, shapes) in DNNLMatMul.implementationsUsed.sorted(by: { $0.key < $1.key }) { print("  oneDNN matmul \(impl): \(shapes) shapes") }
        for (impl, shapes) in DNNLConvolution.implementationsUsed.sorted(by: { $0.key < $1.key }) { print("  oneDNN \(impl): \(shapes) shapes") }
        print("  kernel choices kept for this machine in \(KernelPlanStore.path ?? "(nowhere: GENREKIT_KERNEL_PLAN=off)"); delete it to measure again")
        for d in ConvPlan.decisions {
            print(String(format: "  front-end plan %@ → %@ (im2col + GEMM %.3f ms, oneDNN convolution %@, on 2 patches when measured)",
                         d.key.description as NSString, d.method.rawValue as NSString, d.im2colSeconds * 1e3,
                         (d.onednnSeconds.map { String(format: "%.3f ms", $0 * 1e3) } ?? "unavailable") as NSString))
        }
        for f in ConvPlan.failures {
            print("  front-end plan \(f.key) → oneDNN failed, ran im2col + GEMM instead: \(f.message)")
        }
        for d in GEMMPlan.decisions {
            print(String(format: "  fp32 plan n=%4d k=%5d → %@ (OpenBLAS %.3f ms, oneDNN %.3f ms)", d.n, d.k, d.backend.rawValue as NSString,
                         d.openblasSeconds * 1e3, d.onednnSeconds * 1e3))
        }
        if processRuns { try wholeProcess(path) }
    }

    /// bf16/int8 taggram drift against fp32: max |Δ| and windows whose top-5 tags changed, on each real recording
    /// given and on the synthetic song.
    func driftTable(_ m: MusicnnModel, synthetic: String) throws {
        print("  drift vs fp32 (max |Δ taggram|, windows whose top-5 tag set changed; int8 = what --precision int8 runs: timbral branches in int8, the rest in bf16; int8 all = every layer in int8, as --calibrate runs it):")
        for file in driftFiles + [synthetic] {
            let (x, n) = try PrecisionBenchmark.patches(ofFiles: [file])
            // Both int8 scopes (MusicnnModel.Int8Scope), so that the choice between them is made on numbers.
            let rows: [(InferencePrecision, MusicnnModel.Int8Scope?, String)] = [(.bf16, nil, "bf16"), (.int8, .timbral, "int8"),
                                                                                  (.int8, .allLayers, "int8 all")]
            for (p, scope, label) in rows {
                guard let d = PrecisionBenchmark.drift(m, p, int8Scope: scope, patches: x, count: n) else { continue }
                print(String(format: "    %-12@ %-40@ max |Δ| %.5f  top-5 changed %d of %d windows  (predict %.3f s)",
                             label as NSString,
                             (file == synthetic ? "synthetic: " + (file as NSString).lastPathComponent : (file as NSString).lastPathComponent) as NSString,
                             d.maxAbs, d.top5Changed, d.windows, d.seconds))
            }
        }
    }

    /// Whole-process time: `genrekit tag FILE` vs `python -m musicnn.tagger FILE` (imports, model load, everything).
    func wholeProcess(_ path: String) throws {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("genrekit").path
        guard FileManager.default.isExecutableFile(atPath: exe) else { print("whole process: build genrekit first"); return }
        let gk = median(try (0..<max(1, repeats)).map { _ in try timeProcess(exe, ["tag", path, "--model", "MSD_musicnn"]) })
        print(String(format: "\nwhole process: genrekit tag %.3f s", gk))
        let env = ProcessInfo.processInfo.environment
        let py = [env["GENREKIT_REFERENCE_PYTHON"], "reference/.venv/bin/python", "/opt/genrekit-ref/bin/python"].compactMap { $0 }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let py else { return }
        let ref = try timeProcess(py, ["-m", "musicnn.tagger", path, "--model", "MSD_musicnn", "--topN", "5"])
        print(String(format: "whole process: python -m musicnn.tagger %.3f s → GenreKit is %.1fx faster", ref, ref / gk))
    }

    func timeProcess(_ exe: String, _ args: [String]) throws -> Double {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        var e = ProcessInfo.processInfo.environment; e["TF_USE_LEGACY_KERAS"] = "1"; e["TF_CPP_MIN_LOG_LEVEL"] = "3"
        p.environment = e
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        let t0 = DispatchTime.now().uptimeNanoseconds
        try p.run(); p.waitUntilExit()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }
}
