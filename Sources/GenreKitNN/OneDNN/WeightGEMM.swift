import CDNNL
import Foundation

/// The GEMM of a convolution or dense layer, `C[m × n] = A[m × k] · W[k × n]` (row-major, `A` float32 with row
/// stride `lda`, `C` with row stride `ldc`), in the precision asked for:
///
/// * fp32: OpenBLAS `sgemm` or oneDNN's f32 matmul, whichever ``GEMMPlan`` measured faster for this shape;
/// * bf16: `A` and `W` rounded to bfloat16, products summed in float32 (oneDNN);
/// * int8: `A_q = clamp(round(A / s_a), ±127)`, `C = s_a · s_w[n] · (A_q · W_q)` with int32 sums (oneDNN), where
///   `s_a = activationScale`, or `max |A| / 127` of this product when `nil`.
///
/// A precision oneDNN cannot run here (no engine, no implementation) runs in fp32 through OpenBLAS.
public enum WeightGEMM {
    public static func run(m: Int, k: Int, a: UnsafePointer<Float>, lda: Int, weights w: GEMMWeights,
                           c: UnsafeMutablePointer<Float>, ldc: Int,
                           precision: InferencePrecision = .fp32, activationScale: Float? = nil) {
        let n = w.n
        precondition(w.k == k, "WeightGEMM: weights are \(w.k) × \(n), A has \(k) columns")
        if m == 0 || n == 0 { return }
        if k == 0 || DNNLEngine.shared == nil {
            openblas(m: m, k: k, a: a, lda: lda, w: w, c: c, ldc: ldc)
            return
        }
        do {
            switch precision {
            case .fp32: try fp32(m: m, k: k, a: a, lda: lda, w: w, c: c, ldc: ldc)
            case .bf16: try bf16(m: m, k: k, a: a, lda: lda, w: w, c: c, ldc: ldc)
            case .int8: try int8(m: m, k: k, a: a, lda: lda, w: w, c: c, ldc: ldc, scale: activationScale)
            }
        } catch {
            // GENREKIT_DEBUG_GEMM=1 prints why oneDNN could not run (the product then runs fp32 on OpenBLAS).
            if ProcessInfo.processInfo.environment["GENREKIT_DEBUG_GEMM"] != nil { FileHandle.standardError.write(Data("\(error)\n".utf8)) }
            openblas(m: m, k: k, a: a, lda: lda, w: w, c: c, ldc: ldc)
        }
    }

    static func openblas(m: Int, k: Int, a: UnsafePointer<Float>, lda: Int, w: GEMMWeights,
                         c: UnsafeMutablePointer<Float>, ldc: Int) {
        w.values.withUnsafeBufferPointer { wp in
            GEMM.sgemm(m: m, n: w.n, k: k, a: a, lda: lda, b: wp.baseAddress!, ldb: w.n, c: c, ldc: ldc)
        }
    }

    static func onednnFP32(m: Int, k: Int, a: UnsafePointer<Float>, lda: Int, w: GEMMWeights,
                           c: UnsafeMutablePointer<Float>, ldc: Int) throws {
        let p = try DNNLMatMul.cached(.init(m: m, n: w.n, k: k, lda: lda, ldb: w.n, ldc: ldc, precision: .fp32))
        try w.values.withUnsafeBufferPointer { wp in try p.run(a: a, b: wp.baseAddress!, c: c) }
    }

    static func fp32(m: Int, k: Int, a: UnsafePointer<Float>, lda: Int, w: GEMMWeights,
                     c: UnsafeMutablePointer<Float>, ldc: Int) throws {
        let key = GEMMPlan.Key(n: w.n, k: k, lda: lda, ldc: ldc)
        switch GEMMPlan.backend(for: key) {
        case .openblas: openblas(m: m, k: k, a: a, lda: lda, w: w, c: c, ldc: ldc)
        case .onednn: try onednnFP32(m: m, k: k, a: a, lda: lda, w: w, c: c, ldc: ldc)
        case nil:
            // Measure both (after one untimed run each: primitive creation, caches), then run the winner last so
            // `c` holds its result.
            func time(_ body: () throws -> Void) rethrows -> Double {
                var best = Double.infinity
                for _ in 0..<3 {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    try body()
                    best = Swift.min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                }
                return best
            }
            try onednnFP32(m: m, k: k, a: a, lda: lda, w: w, c: c, ldc: ldc)
            openblas(m: m, k: k, a: a, lda: lda, w: w, c: c, ldc: ldc)
            let tb = time { openblas(m: m, k: k, a: a, lda: lda, w: w, c: c, ldc: ldc) }
            let td = try time { try onednnFP32(m: m, k: k, a: a, lda: lda, w: w, c: c, ldc: ldc) }
            switch GEMMPlan.decide(key, openblas: tb, onednn: td) {
            case .openblas: openblas(m: m, k: k, a: a, lda: lda, w: w, c: c, ldc: ldc)
            case .onednn: try onednnFP32(m: m, k: k, a: a, lda: lda, w: w, c: c, ldc: ldc)
            }
        }
    }

    static func bf16(m: Int, k: Int, a: UnsafePointer<Float>, lda: Int, w: GEMMWeights,
                     c: UnsafeMutablePointer<Float>, ldc: Int) throws {
        let p = try DNNLMatMul.cached(.init(m: m, n: w.n, k: k, lda: k, ldb: w.n, ldc: ldc, precision: .bf16))
        let aq = UnsafeMutablePointer<UInt16>.allocate(capacity: m * k)
        defer { aq.deallocate() }
        for r in 0..<m { LowPrecision.toBFloat16(a + r * lda, aq + r * k, count: k) }
        try w.bfloat16.withUnsafeBufferPointer { wp in try p.run(a: aq, b: wp.baseAddress!, c: c) }
    }

    static func int8(m: Int, k: Int, a: UnsafePointer<Float>, lda: Int, w: GEMMWeights,
                     c: UnsafeMutablePointer<Float>, ldc: Int, scale: Float?) throws {
        var sa = scale ?? 0
        if scale == nil { for r in 0..<m { sa = Swift.max(sa, LowPrecision.maxAbs(a + r * lda, count: k)) }; sa /= 127 }
        if !(sa > 0) { sa = 1 }
        let aq = UnsafeMutablePointer<Int8>.allocate(capacity: m * k)
        defer { aq.deallocate() }
        for r in 0..<m { LowPrecision.toInt8(a + r * lda, aq + r * k, count: k, inverseScale: 1 / sa) }
        try int8(m: m, k: k, quantized: aq, lda: k, w: w, c: c, ldc: ldc, scale: sa)
    }

    /// The int8 product of an `A` quantised by the caller, `A ≈ s_a · (A_q − z)` (`A_q` `m × k`, row stride `lda`;
    /// e.g. an im2col of an input quantised once; `z = zeroPoint`, 0 for symmetric quantisation):
    /// `C = s_a · s_w[n] · (A_q · W_q − z · Σ_k W_q[k, n])`, int32 sums (oneDNN). Where oneDNN cannot run it,
    /// `s_a · (A_q − z)` times the float32 weights through OpenBLAS.
    public static func runInt8(m: Int, k: Int, quantized aq: UnsafePointer<Int8>, lda: Int, weights w: GEMMWeights,
                               c: UnsafeMutablePointer<Float>, ldc: Int, activationScale sa: Float, zeroPoint: Int32 = 0) {
        precondition(w.k == k, "WeightGEMM: weights are \(w.k) × \(w.n), A has \(k) columns")
        if m == 0 || w.n == 0 { return }
        do {
            guard k > 0, DNNLEngine.shared != nil else { throw DNNLError(call: "dnnl_engine_create", status: Int(dnnl_unimplemented.rawValue)) }
            try int8(m: m, k: k, quantized: aq, lda: lda, w: w, c: c, ldc: ldc, scale: sa, zeroPoint: zeroPoint)
        } catch {
            if ProcessInfo.processInfo.environment["GENREKIT_DEBUG_GEMM"] != nil { FileHandle.standardError.write(Data("\(error)\n".utf8)) }
            let a = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(m * k, 1))
            defer { a.deallocate() }
            for r in 0..<m { for j in 0..<k { a[r * k + j] = sa * Float(Int32(aq[r * lda + j]) - zeroPoint) } }
            openblas(m: m, k: k, a: a, lda: k, w: w, c: c, ldc: ldc)
        }
    }

    static func int8(m: Int, k: Int, quantized aq: UnsafePointer<Int8>, lda: Int, w: GEMMWeights,
                     c: UnsafeMutablePointer<Float>, ldc: Int, scale sa: Float, zeroPoint: Int32 = 0) throws {
        let p = try DNNLMatMul.cached(.init(m: m, n: w.n, k: k, lda: lda, ldb: w.n, ldc: ldc, precision: .int8))
        let q = w.quantized
        try q.values.withUnsafeBufferPointer { wp in try p.run(a: aq, b: wp.baseAddress!, c: c) }
        // C = s_a · s_w[n] · (Σ − z · Σ_k W_q) (the int32 sums as floats: exact, |Σ| < 2²⁴ for these k).
        let outScales = q.scales.map { $0 * sa }
        let offsets = zeroPoint == 0 ? [Float](repeating: 0, count: w.n) : w.quantizedColumnSums.map { Float(zeroPoint * $0) }
        outScales.withUnsafeBufferPointer { sp in
            offsets.withUnsafeBufferPointer { op in
                for r in 0..<m {
                    let row = c + r * ldc
                    for j in 0..<w.n { row[j] = (row[j] - op[j]) * sp[j] }
                }
            }
        }
    }
}
