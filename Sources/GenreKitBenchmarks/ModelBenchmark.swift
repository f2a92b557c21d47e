import Foundation
import GenreKitCore
@_spi(Benchmarks) import GenreKitModels
import GenreKitDSP
import GenreKitNN

/// A timing probe (not a test assertion): per-layer-group wall time and throughput of a model on
/// a batch of synthetic patches, plus the raw `cblas_sgemm` rate on a square problem for scale.
public enum ModelBenchmark {
    /// One measured stage.
    public struct Stage: Sendable {
        public let name: String
        /// Best wall time over the repetitions, seconds.
        public let seconds: Double
        /// Multiply-adds ×2 of the *unpruned* layer (what TensorFlow computes).
        public let nominalFlops: Double
        /// Multiply-adds ×2 actually issued after pruning.
        public let executedFlops: Double
        /// The number format the stage's GEMMs run in; nil where they mix formats (int8 with
        /// ``GenreKitModels/MusicnnModel/Int8Scope/timbral``: the timbral branches in int8, the rest in bf16).
        public var precision: InferencePrecision?
        /// Nominal FLOP/s (effective rate, pruning counted as speed).
        public var nominalGFlops: Double { nominalFlops / seconds / 1e9 }
        /// Executed FLOP/s (how busy the GEMMs are).
        public var executedGFlops: Double { executedFlops / seconds / 1e9 }
    }

    /// Best-of-`repetitions` time of `body`.
    static func time(_ repetitions: Int, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<max(repetitions, 1) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
        }
        return best
    }

    /// GFLOP/s of one `n × n × n` `cblas_sgemm` (best of `repetitions`).
    public static func sgemmGFlops(n: Int = 1024, repetitions: Int = 5) -> Double {
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        let s = time(repetitions) {
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                GEMM.sgemm(m: n, n: n, k: n, a: pa.baseAddress!, lda: n, b: pb.baseAddress!, ldb: n,
                           c: pc.baseAddress!, ldc: n)
            } } }
        }
        return 2 * Double(n * n * n) / s / 1e9
    }

    /// Deterministic log-mel-like patches in `[0, 8.8)` (LCG, seed 1).
    public static func syntheticPatches(_ count: Int) -> [Float] {
        var state: UInt32 = 1
        return (0..<(count * MusicnnInput.windowFrames * MusicnnInput.melBands)).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(state >> 8) * 0x1p-24 * 8.8
        }
    }

    /// Times every layer group of `model` on `patches` synthetic patches run as one chunk.
    ///
    /// `copies` 1: one call with threaded GEMMs (oneDNN and OpenBLAS split it over the cores). `copies` > 1: as the
    /// tagger runs its chunks, `copies` calls at once (one per core), each with single-threaded GEMMs; the time is
    /// the wall time of all of them and the FLOPs are `copies` times one call's. Each group's input is computed once
    /// beforehand, so a group's time is that group alone.
    public static func stages(_ model: MusicnnModel, patches: Int = 10, repetitions: Int = 3, copies: Int = 1) -> [Stage] {
        let frames = MusicnnInput.windowFrames, mels = MusicnnInput.melBands
        let x = syntheticPatches(patches)
        let n = Double(patches), t = Double(frames), k = Double(max(copies, 1))
        func timed(_ body: @escaping @Sendable () -> Void) -> Double {
            if copies <= 1 { return time(repetitions, body) }
            return BLASThreads.withSingleThread {
                time(repetitions) { DispatchQueue.concurrentPerform(iterations: copies) { _ in body() } }
            }
        }
        let mixed = model.precision == .int8 && model.int8Scope == .timbral
        func stage(_ name: String, nominal: Double, executed: Double, precision: InferencePrecision?,
                   _ body: @escaping @Sendable () -> Void) -> Stage {
            Stage(name: name, seconds: timed(body), nominalFlops: k * nominal, executedFlops: k * executed, precision: precision)
        }
        let xn = model.normalizedInput(x, count: patches, frames: frames)
        var stages = [stage("input clamp+BN", nominal: 0, executed: 0, precision: .fp32) { _ = model.normalizedInput(x, count: patches, frames: frames) }]
        for b in model.branches {
            let kh = Double(b.conv.kernelHeight), kw = Double(b.conv.kernelWidth)
            let ow = b.timePad > 0 ? Double(mels - b.conv.kernelWidth + 1) : Double(mels)
            let perFilter = 2 * n * t * ow * kh * kw
            stages.append(stage("front \(b.name) \(b.conv.kernelHeight)x\(b.conv.kernelWidth) (\(b.active.count)/\(b.filters) filters)",
                                nominal: perFilter * Double(b.filters), executed: perFilter * Double(b.active.count),
                                precision: model.precision(of: b)) {
                _ = b.forward(xn, precision: model.precision(of: b), activationScale: model.frontEndInt8.scale, activationZeroPoint: model.frontEndInt8.zeroPoint)
            })
        }
        let temporal = model.branches.filter { $0.timePad == 0 }
        let tFlops = temporal.map { 2 * n * t * Double(mels * $0.conv.kernelHeight) * Double($0.filters) }.reduce(0, +)
        let tExec = temporal.map { 2 * n * t * Double(mels * $0.conv.kernelHeight) * Double($0.active.count) }.reduce(0, +)
        let tPrecision = temporal.first.map { model.precision(of: $0) } ?? model.precision
        stages.append(stage("front s1+s2+s3 in one call", nominal: tFlops, executed: tExec, precision: tPrecision) {
            _ = ConvMaxOverWidth.forward(temporal.map(\.conv), bns: temporal.map(\.bn), input: xn,
                                         precision: tPrecision, activationScale: model.frontEndInt8.scale, activationZeroPoint: model.frontEndInt8.zeroPoint)
        })
        let perBranch = stages.filter { $0.name.hasPrefix("front ") && !$0.name.contains("one call") }
        let frontNominal = perBranch.reduce(0) { $0 + $1.nominalFlops } / k, frontExec = perBranch.reduce(0) { $0 + $1.executedFlops } / k
        stages.append(stage("front end total (as run in predict)", nominal: frontNominal, executed: frontExec,
                            precision: mixed ? nil : model.precision) { _ = model.frontend(xn) })
        let (front, active) = model.frontend(xn)
        let f = Double(model.architecture.midendFilters)
        let c0 = Double(model.frontendChannels)
        let midNominal = 2 * n * t * 7 * (c0 * f + 2 * f * f)
        let midExec = 2 * n * t * 7 * (Double(model.mid1.inputChannels) * f + 2 * f * f)
        let midInput = model.mid1.inputChannels == model.frontendChannels ? front : active
        stages.append(stage("midend (3 convs, 7 frames)", nominal: midNominal, executed: midExec,
                            precision: model.laterLayersPrecision) { _ = model.midend(active: midInput) })
        let mids = model.midend(active: midInput)
        let pooled = Double(2 * model.poolChannels), units = Double(model.architecture.backendUnits)
        let backFlops = 2 * n * (pooled * units + units * Double(model.architecture.tags.count))
        stages.append(stage("backend (pools, dense)", nominal: backFlops, executed: backFlops,
                            precision: model.laterLayersPrecision) {
            _ = model.backend(parts: [front, mids.0, mids.1, mids.2])
        })
        let total = frontNominal + midNominal + backFlops, totalExec = frontExec + midExec + backFlops
        stages.append(stage("whole predict()", nominal: total, executed: totalExec, precision: mixed ? nil : model.precision) { _ = model.predict(patches: x, count: patches) })
        return stages
    }

    /// A printable report: stages of `model` and the sgemm reference rate.
    public static func report(_ model: MusicnnModel, patches: Int = 10, repetitions: Int = 3) -> String {
        var lines = ["\(model.architecture.name), batch of \(patches) patches (187×96), best of \(repetitions):"]
        for s in stages(model, patches: patches, repetitions: repetitions) {
            lines.append(String(format: "  %@ %8.2f ms  nominal %7.2f GFLOP → %6.1f GFLOP/s  executed %6.2f GFLOP → %6.1f GFLOP/s",
                                s.name as NSString, s.seconds * 1e3, s.nominalFlops / 1e9, s.nominalGFlops,
                                s.executedFlops / 1e9, s.executedGFlops))
        }
        lines.append(String(format: "  sgemm 1024³ (same run): %.1f GFLOP/s", sgemmGFlops()))
        return lines.joined(separator: "\n")
    }

    /// Per-block timing of a VGG model.
    public static func report(_ model: VGGModel, patches: Int = 10, repetitions: Int = 3) -> String {
        let x = syntheticPatches(patches)
        var lines = ["\(model.architecture.name), batch of \(patches) patches, best of \(repetitions):"]
        var h = model.normalizedInput(x, count: patches)
        var total = 0.0
        for i in 0..<5 {
            let hh = Double(h.shape[1]), ww = Double(h.shape[2]), ci = Double(h.shape[3])
            let flops = 2 * Double(patches) * hh * ww * 9 * ci * Double(model.architecture.vggFilters)
            var out = Tensor(shape: [0])
            let s = time(repetitions) { out = model.block(i, h) }
            h = out
            total += flops
            lines.append(String(format: "  block %d conv3x3 %3.0f×%2.0f×%3.0f  %8.2f ms  %6.2f GFLOP → %6.1f GFLOP/s",
                                i + 1, hh, ww, ci, s * 1e3, flops / 1e9, flops / s / 1e9))
        }
        let s = time(repetitions) { _ = model.predict(patches: x, count: patches) }
        lines.append(String(format: "  whole predict()  %8.2f ms  %6.2f GFLOP → %6.1f GFLOP/s", s * 1e3, total / 1e9, total / s / 1e9))
        lines.append(String(format: "  sgemm 1024³ (same run): %.1f GFLOP/s", sgemmGFlops()))
        return lines.joined(separator: "\n")
    }
}
