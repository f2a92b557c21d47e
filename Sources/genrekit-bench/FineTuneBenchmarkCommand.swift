import Foundation
import GenreKit
import GenreKitBenchmarks

/// `genrekit-bench finetune [--model MSD_musicnn] [--batch 32] [--steps 5] [--stages all,midend,backend,head]`: training segments per second for each
/// fine-tuning stage and the whole network's training GFLOP/s against `cblas_sgemm` peak in the same run.
struct FineTuneBenchmarkCommand {
    let model: String
    let batch: Int
    let steps: Int
    let stages: [FineTuneStage]

    init(arguments: [String]) {
        let o = Options(arguments)
        model = o["model"] ?? "MSD_musicnn"
        batch = Int(o["batch"] ?? "") ?? 32
        steps = Int(o["steps"] ?? "") ?? 5
        stages = (o["stages"] ?? "all,midend,backend,head").split(separator: ",").compactMap { FineTuneStage(rawValue: String($0)) }
    }

    func run() throws {
        guard let arch = ModelArchitecture.named(model) else { throw ModelLoadError.unknownModel(name: model) }
        let weights = try ModelStore().checkpoint(for: model)
        let peakBefore = ModelBenchmark.sgemmGFlops()
        let results = try FineTuneBenchmark.run(arch: arch, weights: weights, stages: stages, batch: batch, steps: steps)
        let peak = max(peakBefore, ModelBenchmark.sgemmGFlops())
        print("fine-tuning \(model), batch \(batch), 10 classes, \(ProcessInfo.processInfo.activeProcessorCount) cores; sgemm 1024³ peak (same run): "
              + String(format: "%.1f GFLOP/s", peak))
        print("stage     train segments/s   step s   model GFLOP/s  % of sgemm peak   frozen-part cache segments/s")
        for r in results {
            let name = r.stage.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            let cache = r.cacheSegmentsPerSecond.map { String(format: "%.1f", $0) } ?? "-"
            print(name + String(format: " %16.1f %8.4f %14.1f %16.1f   ", r.segmentsPerSecond, r.secondsPerStep, r.gflops, 100 * r.gflops / peak) + cache)
        }
        print("model GFLOP/s = 3 × forward FLOPs of the trained part per step (forward + input and weight gradients); for all, the "
              + "front end computes no input gradient but recomputes its forward GEMM, so the executed GEMM FLOPs are the same.")
    }
}
