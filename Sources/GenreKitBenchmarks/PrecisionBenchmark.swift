import CBLAS
import Foundation
import GenreKitCore
@_spi(Benchmarks) import GenreKitModels
import GenreKitDSP
import GenreKitNN

/// Peaks of the GEMM kernels in each precision and the drift of bf16/int8 taggrams against fp32 (timing probes and
/// measurements for `genrekit-bench model`, no assertions).
public enum PrecisionBenchmark {
    /// GFLOP/s (2 per multiply-add) of one `n × n × n` oneDNN matmul in `precision` (best of `repetitions`), or nil
    /// where oneDNN has no implementation here.
    public static func onednnGFlops(_ precision: InferencePrecision, n: Int = 1024, repetitions: Int = 5) -> Double? {
        guard let p = try? DNNLMatMul.cached(.init(m: n, n: n, k: n, lda: n, ldb: n, ldc: n, precision: precision)) else { return nil }
        let a = [Float](repeating: 0.5, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        let bf = [UInt16](repeating: LowPrecision.bfloat16(0.25), count: n * n)
        let i8 = [Int8](repeating: 3, count: n * n)
        let a16 = [UInt16](repeating: LowPrecision.bfloat16(0.5), count: n * n)
        var best = Double.infinity
        for _ in 0..<(repetitions + 1) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let ok: Bool = c.withUnsafeMutableBufferPointer { pc in
                switch precision {
                case .fp32: return (try? a.withUnsafeBufferPointer { try p.run(a: $0.baseAddress!, b: $0.baseAddress!, c: pc.baseAddress!) }) != nil
                case .bf16: return (try? a16.withUnsafeBufferPointer { pa in try bf.withUnsafeBufferPointer { try p.run(a: pa.baseAddress!, b: $0.baseAddress!, c: pc.baseAddress!) } }) != nil
                case .int8: return (try? i8.withUnsafeBufferPointer { pa in try p.run(a: pa.baseAddress!, b: pa.baseAddress!, c: pc.baseAddress!) }) != nil
                }
            }
            if !ok { return nil }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
        }
        return 2 * Double(n * n * n) / best / 1e9
    }

    /// OpenBLAS's core type (`openblas_get_corename`), e.g. `Haswell` (set by `OPENBLAS_CORETYPE`).
    public static var openblasCore: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// Drift of `precision` against fp32 on `count` patches: max |Δ taggram|, windows whose top-5 tag set changed.
    public struct Drift: Sendable {
        public let precision: InferencePrecision
        public let maxAbs: Float
        public let top5Changed: Int
        public let windows: Int
        /// Seconds of the `predict` call that gave the taggram (the model's chunks in turn, threaded GEMMs).
        public let seconds: Double
    }

    /// Taggram drift of `model` in `precision` against fp32 on `n` patches `x`; nil where this CPU runs `precision`
    /// as fp32. `int8Scope`: which layers int8 runs in int8 (``GenreKitModels/MusicnnModel/Int8Scope``; the model's own
    /// when nil).
    public static func drift(_ model: MusicnnModel, _ precision: InferencePrecision, int8Scope: MusicnnModel.Int8Scope? = nil,
                             patches x: [Float], count n: Int) -> Drift? {
        var e = model.withPrecision(precision).model
        guard e.precision == precision else { return nil }
        if let int8Scope { e.int8Scope = int8Scope }
        let ref = model.withPrecision(.fp32).model.predict(patches: x, count: n).taggram
        let t0 = DispatchTime.now().uptimeNanoseconds
        let got = e.predict(patches: x, count: n).taggram
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let tags = ref.shape[1]
        var worst: Float = 0, changed = 0
        for w in 0..<n {
            let a = Array(ref.values[(w * tags)..<((w + 1) * tags)]), b = Array(got.values[(w * tags)..<((w + 1) * tags)])
            for j in 0..<tags { worst = max(worst, abs(a[j] - b[j])) }
            let top = { (v: [Float]) in Set(v.indices.sorted { v[$0] > v[$1] }.prefix(5)) }
            if top(a) != top(b) { changed += 1 }
        }
        return Drift(precision: precision, maxAbs: worst, top5Changed: changed, windows: n, seconds: seconds)
    }

    /// Every window (3 s, back to back) of the audio files at `paths`, as one patch batch.
    public static func patches(ofFiles paths: [String]) throws -> (values: [Float], count: Int) {
        let fe = MusicnnFrontEnd()
        let p = try Patches.musicnn()
        var v: [Float] = [], n = 0
        for path in paths {
            let (lm, _, _) = try fe.logMel(path: path)
            let e = p.extract(lm, bands: MusicnnInput.melBands)
            v += e.values; n += e.count
        }
        return (v, n)
    }
}
