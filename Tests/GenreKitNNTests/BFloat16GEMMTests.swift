import Foundation
import XCTest
@testable import GenreKitNN

/// ``BFloat16GEMM`` (training's general bf16 product) against float64 references with the a-priori bound of its doc
/// comment: operands rounded to bfloat16 (unit roundoff u = 2⁻⁸ each), exact products, float32 sums in any order.
final class BFloat16GEMMTests: XCTestCase {
    static let bf16Unit = 0x1p-8

    /// `|C_bf16 − C_exact| ≤ ((1 + u)² − 1 + γ_n·(1 + u)²)·Σ|a·b|` for `n` float32 additions.
    static func bound(terms n: Int, absoluteSum s: Double) -> Double {
        let u = bf16Unit, r = (1 + u) * (1 + u)
        return (r - 1 + RoundingBounds.gamma(n) * r) * s
    }

    func testEveryTransposeAndAccumulateIsTheBoundedProduct() throws {
        guard InferencePrecision.bf16.effectiveHere.precision == .bf16 else {
            throw XCTSkip("this CPU runs bf16 as fp32 (\(DNNLEngine.effectiveISA)): fine-tuning falls back to the fp32 path")
        }
        let (m, n, k) = (29, 17, 211)
        for (ta, tb, acc) in [(false, false, false), (true, false, false), (false, true, false), (true, true, true), (true, false, true)] {
            let lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1
            let a = WeightGEMMTests.values((ta ? k : m) * lda, seed: 11), b = WeightGEMMTests.values((tb ? n : k) * ldb, seed: 12)
            let c0 = WeightGEMMTests.values(m * ldc, seed: 13)
            var c = acc ? c0 : [Float](repeating: .nan, count: m * ldc)
            // Rounded here and run without the float32 fallback, so a primitive oneDNN cannot make fails the test.
            var aq = [UInt16](repeating: 0, count: m * k), bq = [UInt16](repeating: 0, count: k * n)
            a.withUnsafeBufferPointer { BFloat16GEMM.round($0.baseAddress!, rows: ta ? k : m, cols: ta ? m : k, ld: lda, into: &aq) }
            b.withUnsafeBufferPointer { BFloat16GEMM.round($0.baseAddress!, rows: tb ? n : k, cols: tb ? k : n, ld: ldb, into: &bq) }
            try c.withUnsafeMutableBufferPointer { pc in
                try BFloat16GEMM.run(m: m, n: n, k: k, a: aq, transposeA: ta, b: bq, transposeB: tb, c: pc.baseAddress!, ldc: ldc, accumulate: acc)
            }
            // gemm (the form the backward passes use) rounds the same way and runs the same primitive.
            var viaGemm = acc ? c0 : [Float](repeating: .nan, count: m * ldc)
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in viaGemm.withUnsafeMutableBufferPointer { pc in
                BFloat16GEMM.gemm(m: m, n: n, k: k, a: pa.baseAddress!, lda: lda, transposeA: ta, b: pb.baseAddress!, ldb: ldb,
                                  transposeB: tb, c: pc.baseAddress!, ldc: ldc, accumulate: acc)
            } } }
            XCTAssertEqual(viaGemm.map(\.bitPattern), c.map(\.bitPattern))
            for r in 0..<m { for j in 0..<n {
                var e = acc ? Double(c0[r * ldc + j]) : 0, s = acc ? abs(e) : 0
                for i in 0..<k {
                    let p = Double(ta ? a[i * lda + r] : a[r * lda + i]) * Double(tb ? b[j * ldb + i] : b[i * ldb + j])
                    e += p; s += abs(p)
                }
                let got = Double(c[r * ldc + j])
                XCTAssertLessThanOrEqual(abs(got - e), Self.bound(terms: k + 1, absoluteSum: s), "\(ta) \(tb) \(acc) [\(r), \(j)]")
            } }
            if !acc { XCTAssertTrue(c[n].isNaN, "columns past n are the caller's") }
        }
    }

    func testRoundIsTheElementwiseBFloat16OfAStridedBlock() {
        let src = WeightGEMMTests.values(5 * 9, seed: 14)
        var dst = [UInt16](repeating: 0, count: 5 * 7)
        src.withUnsafeBufferPointer { BFloat16GEMM.round($0.baseAddress!, rows: 5, cols: 7, ld: 9, into: &dst) }
        for r in 0..<5 { for c in 0..<7 { XCTAssertEqual(dst[r * 7 + c], LowPrecision.bfloat16(src[r * 9 + c])) } }
    }
}
