import Foundation
import GenreKitCore
import GenreKitDSP
import GenreKitModels
import GenreKitNN

/// Training throughput of a fine-tuned musicnn network per ``FineTuneStage``: Adam steps (forward in training
/// mode, backward, update) on one batch of synthetic patches' stage inputs, and the model FLOPs of the whole
/// network's training step relative to `cblas_sgemm` peak measured in the same run, in each precision asked for
/// (``MusicnnTrainableNetwork/gemmPrecision``: fp32, bf16) on the same batch in the same process.
public enum FineTuneBenchmark {
    /// One stage's measurement.
    public struct Result: Sendable {
        public var stage: FineTuneStage
        /// The precision the GEMMs ran in (bf16 falls back to fp32 on a CPU without AVX512-BF16).
        public var precision: InferencePrecision
        public var batch: Int
        /// Seconds per training step (median).
        public var secondsPerStep: Double
        public var segmentsPerSecond: Double { Double(batch) / secondsPerStep }
        /// Segments per second of the frozen part that feeds this stage (its one-time cache: chunks of 8 segments on
        /// all cores, as ``FineTuner`` fills it), nil for `all`.
        public var cacheSegmentsPerSecond: Double?
        /// Model GFLOP/s of the training step (3 × forward FLOPs of the trained part), for `all`: the whole network.
        public var gflops: Double
    }

    /// Forward FLOPs of one `frames`-frame segment through the trained part of `stage` (GEMM multiply-adds × 2).
    public static func forwardFlops(_ arch: ModelArchitecture, stage: FineTuneStage, frames t: Int = MusicnnInput.windowFrames,
                                    classes: Int) -> Double {
        let mels = MusicnnInput.melBands, f = arch.midendFilters, u = arch.backendUnits
        func gemm(_ m: Int, _ k: Int, _ n: Int) -> Double { 2 * Double(m) * Double(k) * Double(n) }
        var flops = 0.0
        if stage == .all {
            for width in [Int(0.4 * Double(mels)), Int(0.7 * Double(mels))] {
                let outWidth = mels - width + 1
                flops += gemm(t * outWidth, 7 * width, 204)
            }
            for k in [128, 64, 32] { flops += gemm(t * mels, k, 51) }
        }
        if stage == .midend || stage == .all {
            flops += gemm(t, 7 * 561, f) + 2 * gemm(t, 7 * f, f)
        }
        if stage != .head { flops += gemm(1, 2 * (561 + 3 * f), u) }
        return flops + gemm(1, u, classes)
    }

    /// Measures `stages` in each of `precisions` with `weights` (`arch`'s checkpoint), batch `batch`, `steps` timed
    /// steps after one warm-up; every precision starts from the same network and batch.
    public static func run(arch: ModelArchitecture, weights: WeightSource, stages: [FineTuneStage] = FineTuneStage.allCases.reversed(),
                           precisions: [InferencePrecision] = [.fp32], batch: Int = 32, classes: Int = 10, steps: Int = 5) throws -> [Result] {
        let frozen = try MusicnnModel(architecture: arch, weights: weights)
        let patches = ModelBenchmark.syntheticPatches(batch)
        let labels = (0..<batch).map { $0 % classes }
        var results: [Result] = []
        for stage in stages {
            let start = try MusicnnTrainableNetwork(base: arch, weights: weights, labels: (0..<classes).map { "c\($0)" }, stage: stage, seed: 1)
            var input = Tensor(shape: [1])
            input = frozen.stageInput(stage, patches: patches, count: batch)
            // The cache is filled as FineTuner does: chunks of 8 segments on all cores, single-threaded BLAS each.
            let chunkCount = (batch + 7) / 8
            let cacheSeconds = ModelBenchmark.time(3) {
                BLASThreads.withSingleThread {
                    DispatchQueue.concurrentPerform(iterations: chunkCount) { k in
                        let lo = k * 8, hi = min(batch, lo + 8)
                        let part = Array(patches[(lo * MusicnnInput.windowFrames * MusicnnInput.melBands)..<(hi * MusicnnInput.windowFrames * MusicnnInput.melBands)])
                        _ = frozen.stageInput(stage, patches: part, count: hi - lo)
                    }
                }
            }
            for precision in precisions {
            var net = start
            net.gemmPrecision = precision.effectiveHere.precision
            var adam = Adam(weightDecayMask: net.weightDecayMask)
            var g = SeededGenerator(seed: 1)
            var times: [Double] = []
            for k in 0...max(1, steps) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let (logits, tape) = net.forwardTraining(input, generator: &g)
                let grads = net.backward(tape, logitsGradient: SoftmaxCrossEntropy()(logits: logits, labels: labels).gradient)
                var p = net.parameters
                adam.update(&p, gradients: grads)
                net.setParameters(p)
                if k > 0 { times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9) }
            }
            let step = times.sorted()[times.count / 2]
            let flops = 3 * forwardFlops(arch, stage: stage, classes: classes) * Double(batch)
            results.append(Result(stage: stage, precision: net.gemmPrecision, batch: batch, secondsPerStep: step,
                                  cacheSegmentsPerSecond: stage == .all ? nil : Double(batch) / cacheSeconds, gflops: flops / step / 1e9))
            }
        }
        return results
    }
}
