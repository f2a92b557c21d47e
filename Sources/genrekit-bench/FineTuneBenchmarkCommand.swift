import Foundation
import GenreKit
import GenreKitBenchmarks

/// `genrekit-bench finetune [--model MSD_musicnn] [--batch 32] [--steps 5] [--stages all,midend,backend,head] [--precisions fp32,bf16]`:
/// training segments per second for each fine-tuning stage in each precision, the whole network's training GFLOP/s
/// against the GEMM peak of its precision in the same run (`cblas_sgemm` for fp32, oneDNN's bf16 matmul for bf16),
/// and the bf16/fp32 speed-up per stage.
struct FineTuneBenchmarkCommand {
    let model: String
    let batch: Int
    let steps: Int
    let stages: [FineTuneStage]
    let precisions: [InferencePrecision]

    init(arguments: [String]) throws {
        let o = try Options(arguments, known: ["model", "batch", "steps", "stages", "precisions"])
        model = o["model"] ?? "MSD_musicnn"
        batch = try o.int("batch", default: 32)
        steps = try o.int("steps", default: 5)
        stages = try o.list("stages", default: "all,midend,backend,head") { FineTuneStage(rawValue: $0) }
        precisions = try o.list("precisions", default: "fp32,bf16") { InferencePrecision(rawValue: $0) }
        if precisions.contains(.int8) { throw BenchUsageError(description: "--precisions: fine-tuning runs in fp32 or bf16, not int8") }
    }

    func run() throws {
        guard let arch = ModelArchitecture.named(model) else { throw ModelLoadError.unknownModel(name: model) }
        let weights = try ModelStore().checkpoint(for: model)
        let peakBefore = ModelBenchmark.sgemmGFlops()
        for p in precisions { if let notice = p.effectiveHere.notice { print(notice) } }
        let results = try FineTuneBenchmark.run(arch: arch, weights: weights, stages: stages, precisions: precisions, batch: batch, steps: steps)
        let peak = max(peakBefore, ModelBenchmark.sgemmGFlops())
        let bf16Peak = results.contains { $0.precision == .bf16 } ? PrecisionBenchmark.onednnGFlops(.bf16) : nil
        print("fine-tuning \(model), batch \(batch), 10 classes, \(ProcessInfo.processInfo.activeProcessorCount) cores; 1024³ peaks (same run): sgemm "
              + String(format: "%.1f GFLOP/s", peak) + (bf16Peak.map { String(format: ", oneDNN bf16 %.1f GFLOP/s", $0) } ?? "")
              + "; OpenBLAS core \(PrecisionBenchmark.openblasCore), oneDNN ISA \(DNNLEngine.shared == nil ? "none" : DNNLEngine.effectiveISA)")
        print("stage    precision  train segments/s   step s   model GFLOP/s  % of its peak   vs fp32   frozen-part cache segments/s")
        for r in results {
            let name = r.stage.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0) + " "
                + r.precision.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
            let cache = r.cacheSegmentsPerSecond.map { String(format: "%.1f", $0) } ?? "-"
            let own = r.precision == .bf16 ? (bf16Peak ?? peak) : peak
            let fp32 = results.first { $0.stage == r.stage && $0.precision == .fp32 }
            let ratio = fp32.map { String(format: "%6.2f×", r.segmentsPerSecond / $0.segmentsPerSecond) } ?? "     -"
            print(name + String(format: " %16.1f %8.4f %14.1f %14.1f   ", r.segmentsPerSecond, r.secondsPerStep, r.gflops, 100 * r.gflops / own)
                  + ratio + "   " + cache)
        }
        let used = DNNLMatMul.implementationsUsed.filter { $0.key.hasPrefix("bf16") }
        if !used.isEmpty {
            print("oneDNN bf16 matmul implementations (shapes): " + used.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", "))
        }
        print("model GFLOP/s = 3 × forward FLOPs of the trained part per step (forward + input and weight gradients); for all, the "
              + "front end computes no input gradient but recomputes its forward GEMM, so the executed GEMM FLOPs are the same.")
    }
}
