import Foundation
import XCTest
@testable import GenreKitNN

/// ``WeightGEMM`` in every precision against references computed in float64 from the same (rounded or quantised)
/// operands, with a-priori bounds (``RoundingBounds``): the kernels may sum in any order.
final class WeightGEMMTests: XCTestCase {
    /// Seeded values in [−1, 1) with some exact zeros and a wide magnitude spread.
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var s = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (0..<count).map { i in
            s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = Float(s >> 40) * 0x1p-24 * 2 - 1
            return i % 17 == 0 ? 0 : u * (i % 5 == 0 ? 8 : 1)
        }
    }

    let (m, k, n, lda, ldc) = (37, 266, 23, 300, 29)

    func operands() -> (a: [Float], w: GEMMWeights) {
        (Self.values(m * lda, seed: 1), GEMMWeights(values: Self.values(k * n, seed: 2), k: k, n: n))
    }

    func run(_ a: [Float], _ w: GEMMWeights, _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) throws -> Void) rethrows -> [Float] {
        var c = [Float](repeating: .nan, count: m * ldc)
        try a.withUnsafeBufferPointer { pa in try c.withUnsafeMutableBufferPointer { pc in try body(pa.baseAddress!, pc.baseAddress!) } }
        return c
    }

    /// `Σ_k a'[r, k]·w'[k, c]` and `Σ |a'·w'|` in float64 for operands mapped by `fa`, `fw`.
    func reference(_ a: [Float], _ w: [Float], fa: (Float) -> Double, fw: (Float) -> Double) -> (sum: [Double], abs: [Double]) {
        var sum = [Double](repeating: 0, count: m * n), abs = sum
        for r in 0..<m { for c in 0..<n {
            var s = 0.0, t = 0.0
            for i in 0..<k { let p = fa(a[r * lda + i]) * fw(w[i * n + c]); s += p; t += Swift.abs(p) }
            sum[r * n + c] = s; abs[r * n + c] = t
        } }
        return (sum, abs)
    }

    func testFP32OneDNNAndOpenBLASAgreeWithinTheSummationBound() throws {
        try XCTSkipIf(DNNLEngine.shared == nil, DNNLEngine.unavailableReason ?? "")
        let (a, w) = operands()
        let blas = run(a, w) { WeightGEMM.openblas(m: m, k: k, a: $0, lda: lda, w: w, c: $1, ldc: ldc) }
        let dnnl = try run(a, w) { try WeightGEMM.onednnFP32(m: m, k: k, a: $0, lda: lda, w: w, c: $1, ldc: ldc) }
        let ref = reference(a, w.values, fa: Double.init, fw: Double.init)
        let g = RoundingBounds.gamma(k)
        for r in 0..<m { for c in 0..<n {
            let e = ref.sum[r * n + c], bound = g * ref.abs[r * n + c]
            XCTAssertLessThanOrEqual(abs(Double(blas[r * ldc + c]) - e), bound)
            XCTAssertLessThanOrEqual(abs(Double(dnnl[r * ldc + c]) - e), bound)
        } }
        // Columns past n are the caller's (ldc > n): untouched.
        XCTAssertTrue(dnnl[n].isNaN && blas[n].isNaN)
    }

    func testThePlanRunsOneLibraryPerShapeSoRepeatedCallsAreIdentical() {
        let (a, w) = operands()
        let first = run(a, w) { WeightGEMM.run(m: m, k: k, a: $0, lda: lda, weights: w, c: $1, ldc: ldc) }
        let second = run(a, w) { WeightGEMM.run(m: m, k: k, a: $0, lda: lda, weights: w, c: $1, ldc: ldc) }
        XCTAssertEqual(first.map(\.bitPattern), second.map(\.bitPattern))
        if GEMMPlan.forced == nil, DNNLEngine.shared != nil {
            XCTAssertTrue(GEMMPlan.decisions.contains { $0.n == n && $0.k == k })
        }
    }

    func testBFloat16RoundsToNearestEven() {
        XCTAssertEqual(LowPrecision.bfloat16(1), 0x3F80)
        XCTAssertEqual(LowPrecision.bfloat16(1 + 0x1p-8), 0x3F80)             // tie → even (down)
        XCTAssertEqual(LowPrecision.bfloat16(1 + 3 * 0x1p-8), 0x3F82)         // tie → even (up)
        XCTAssertEqual(LowPrecision.bfloat16(1 + 0x1p-8 + 0x1p-20), 0x3F81)   // above the tie
        XCTAssertEqual(LowPrecision.bfloat16(-2), 0xC000)
        for x in Self.values(1000, seed: 3) where x != 0 {
            let r = LowPrecision.float(bfloat16: LowPrecision.bfloat16(x))
            XCTAssertLessThanOrEqual(abs(r - x), abs(x) * 0x1p-8)             // half an ulp of an 8-bit significand
        }
        var out = [UInt16](repeating: 0, count: 3)
        [Float(1), 1 + 0x1p-8, 1 + 3 * 0x1p-8].withUnsafeBufferPointer { LowPrecision.toBFloat16($0.baseAddress!, &out, count: 3) }
        XCTAssertEqual(out, [0x3F80, 0x3F80, 0x3F82])
    }

    /// bf16: operands rounded to bfloat16, their products exact in float32 (8-bit significands), summed in float32.
    func testBF16IsTheFloat32SumOfRoundedOperands() throws {
        guard InferencePrecision.bf16.effectiveHere.precision == .bf16 else {
            throw XCTSkip("this CPU runs bf16 as fp32 (\(DNNLEngine.effectiveISA)); the fallback is tested in testFallbackDecision")
        }
        let (a, w) = operands()
        let c = run(a, w) { WeightGEMM.run(m: m, k: k, a: $0, lda: lda, weights: w, c: $1, ldc: ldc, precision: .bf16) }
        let bf = { (x: Float) in Double(LowPrecision.float(bfloat16: LowPrecision.bfloat16(x))) }
        let ref = reference(a, w.values, fa: bf, fw: bf)
        let g = RoundingBounds.gamma(k + 1)
        for i in 0..<(m * n) {
            let got = Double(c[(i / n) * ldc + i % n])
            XCTAssertLessThanOrEqual(abs(got - ref.sum[i]), g * ref.abs[i] + Double(k) * 0x1p-126, "element \(i)")
        }
    }

    /// int8: integer products summed exactly, then scaled: `s_a·s_w[n]·Σ q_a·q_w`.
    func testInt8IsTheScaledIntegerProduct() throws {
        guard InferencePrecision.int8.effectiveHere.precision == .int8 else {
            throw XCTSkip("this CPU runs int8 as fp32 (\(DNNLEngine.effectiveISA)); the fallback is tested in testFallbackDecision")
        }
        let (a, w) = operands()
        let sa: Float = 8.0 / 127
        let c = run(a, w) { WeightGEMM.run(m: m, k: k, a: $0, lda: lda, weights: w, c: $1, ldc: ldc, precision: .int8, activationScale: sa) }
        let q = w.quantized
        XCTAssertEqual(q.values.count, k * n)
        for col in 0..<n {
            let peak = (0..<k).map { abs(w.values[$0 * n + col]) }.max()!
            XCTAssertEqual(q.scales[col], peak / 127)
            XCTAssertEqual((0..<k).map { abs(Int(q.values[$0 * n + col])) }.max(), 127)
        }
        for r in 0..<m { for col in 0..<n {
            var s = 0
            for i in 0..<k {
                let qa = Int(Swift.min(Swift.max((a[r * lda + i] * (1 / sa)).rounded(), -127), 127))
                s += qa * Int(q.values[i * n + col])
            }
            let e = Double(s) * Double(sa * q.scales[col])
            // float(Σ) (one rounding), s_a·s_w (one) and the product (one).
            XCTAssertLessThanOrEqual(abs(Double(c[r * ldc + col]) - e), RoundingBounds.gamma(3) * abs(e) + 1e-30)
        } }
    }

    /// int8 with an input zero point `z` (asymmetric activations, `a ≈ s_a·(q_a − z)`): `s_a·s_w[n]·Σ (q_a − z)·q_w`,
    /// the sum exact (the kernel's `Σ q_a·q_w` and `z·Σ q_w` are integers below 2²⁴, and so is their difference), then
    /// the roundings of `s_a·s_w` and the product.
    func testInt8WithAZeroPointIsTheScaledIntegerProductOfTheShiftedCodes() throws {
        guard InferencePrecision.int8.effectiveHere.precision == .int8 else {
            throw XCTSkip("this CPU runs int8 as fp32 (\(DNNLEngine.effectiveISA))")
        }
        let (a, w) = operands()
        let q = w.quantized
        for (sa, z) in [(Float(16.0 / 254), Int8(-1)), (Float(9.0 / 254), Int8(-37)), (Float(20.0 / 254), Int8(90))] {
            var aq = [Int8](repeating: 0, count: m * lda)
            a.withUnsafeBufferPointer { src in
                aq.withUnsafeMutableBufferPointer { LowPrecision.toInt8(src.baseAddress!, $0.baseAddress!, count: a.count, inverseScale: 1 / sa, zeroPoint: z) }
            }
            var c = [Float](repeating: .nan, count: m * ldc)
            aq.withUnsafeBufferPointer { pa in
                c.withUnsafeMutableBufferPointer { pc in
                    WeightGEMM.runInt8(m: m, k: k, quantized: pa.baseAddress!, lda: lda, weights: w, c: pc.baseAddress!, ldc: ldc,
                                       activationScale: sa, zeroPoint: Int32(z))
                }
            }
            XCTAssertEqual(w.quantizedColumnSums, (0..<n).map { col in (0..<k).reduce(Int32(0)) { $0 + Int32(q.values[$1 * n + col]) } })
            for r in 0..<m { for col in 0..<n {
                var s = 0
                for i in 0..<k { s += (Int(aq[r * lda + i]) - Int(z)) * Int(q.values[i * n + col]) }
                XCTAssertLessThan(abs(s), 1 << 24)
                let e = Double(s) * Double(sa * q.scales[col])
                XCTAssertLessThanOrEqual(abs(Double(c[r * ldc + col]) - e), RoundingBounds.gamma(3) * abs(e) + 1e-30, "z = \(z)")
            } }
        }
    }

    func testFallbackDecision() {
        XCTAssertEqual(InferencePrecision.fp32.effective(onISA: "sse41").precision, .fp32)
        XCTAssertNil(InferencePrecision.fp32.effective(onISA: nil).notice)
        for isa in ["avx512_core_bf16", "avx512_core_amx"] {
            XCTAssertEqual(InferencePrecision.bf16.effective(onISA: isa).precision, .bf16)
            XCTAssertNil(InferencePrecision.bf16.effective(onISA: isa).notice)
            XCTAssertEqual(InferencePrecision.int8.effective(onISA: isa).precision, .int8)
        }
        for isa in ["avx2", "avx512_core", "avx512_core_vnni", "avx2_vnni", "sse41"] {
            let e = InferencePrecision.bf16.effective(onISA: isa)
            XCTAssertEqual(e.precision, .fp32, isa)
            let notice = try? XCTUnwrap(e.notice)
            XCTAssertTrue(notice?.contains("falls back to fp32") == true && notice?.contains("\n") == false, "\(notice ?? "")")
        }
        XCTAssertEqual(InferencePrecision.int8.effective(onISA: "avx512_core_vnni").precision, .int8)
        XCTAssertEqual(InferencePrecision.int8.effective(onISA: "avx2_vnni").precision, .int8)
        XCTAssertEqual(InferencePrecision.int8.effective(onISA: "avx512_core").precision, .fp32)
        XCTAssertEqual(InferencePrecision.int8.effective(onISA: "avx2").precision, .fp32)
        XCTAssertEqual(InferencePrecision.int8.effective(onISA: nil).precision, .fp32)
        XCTAssertNotNil(InferencePrecision.bf16.effective(onISA: "unknown-isa").notice)
    }
}
