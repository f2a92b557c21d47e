import Foundation

/// General bf16 GEMM for training: `C ← op(A)·op(B)` or `C ← C + op(A)·op(B)` where both operands are rounded to
/// bfloat16 (round to nearest even, relative error ≤ u = 2⁻⁸ per element) and the products are summed in float32
/// by oneDNN's bf16 matmul (AVX512-BF16). A product of two bf16 values is exact in float32, so for `k`-term sums
///
///     |C_bf16 − C_fp32| ≤ ((1 + u)² − 1 + 2·γ_k) · (|op(A)|·|op(B)|),   γ_k = k·2⁻²⁴ / (1 − k·2⁻²⁴)
///
/// element by element (both results carry float32 summation error; the bound is what the tests assert).
///
/// Operands are passed already rounded and contiguous (``round(_:rows:cols:ld:into:)``): `A` stored `m × k` (or
/// `k × m` when transposed), `B` stored `k × n` (or `n × k`), so a layer can round a weight once and reuse it.
public enum BFloat16GEMM {
    /// Rounds a `rows × cols` float32 block with row stride `ld` to bfloat16, contiguous (row stride `cols`).
    public static func round(_ src: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int, into dst: UnsafeMutablePointer<UInt16>) {
        if ld == cols { LowPrecision.toBFloat16(src, dst, count: rows * cols); return }
        for r in 0..<rows { LowPrecision.toBFloat16(src + r * ld, dst + r * cols, count: cols) }
    }

    /// `C[m × n] (+)= op(A)·op(B)` on contiguous bf16 operands, `C` with row stride `ldc`. Throws when oneDNN cannot
    /// run it (no engine, no bf16 implementation); the caller then runs float32.
    public static func run(m: Int, n: Int, k: Int, a: UnsafePointer<UInt16>, transposeA: Bool = false,
                           b: UnsafePointer<UInt16>, transposeB: Bool = false,
                           c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false) throws {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { for r in 0..<m { (c + r * ldc).update(repeating: 0, count: n) } }
            return
        }
        let shape = DNNLMatMul.Shape(m: m, n: n, k: k, lda: transposeA ? m : k, ldb: transposeB ? k : n, ldc: ldc,
                                     precision: .bf16, transposeA: transposeA, transposeB: transposeB, accumulate: accumulate)
        try DNNLMatMul.cached(shape).run(a: a, b: b, c: c)
    }

    /// `C (+)= op(A)·op(B)` for float32 operands as `GEMM.sgemm` takes them (stored with row strides `lda`, `ldb`),
    /// rounded to bf16 here. Falls back to `GEMM.sgemm` in float32 when oneDNN cannot run the product.
    public static func gemm(m: Int, n: Int, k: Int,
                            a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                            b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                            c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false) {
        if m == 0 || n == 0 { return }
        let (ar, ac) = transposeA ? (k, m) : (m, k)
        let (br, bc) = transposeB ? (n, k) : (k, n)
        let aq = UnsafeMutablePointer<UInt16>.allocate(capacity: Swift.max(ar * ac, 1))
        let bq = UnsafeMutablePointer<UInt16>.allocate(capacity: Swift.max(br * bc, 1))
        defer { aq.deallocate(); bq.deallocate() }
        round(a, rows: ar, cols: ac, ld: lda, into: aq)
        round(b, rows: br, cols: bc, ld: ldb, into: bq)
        do {
            try run(m: m, n: n, k: k, a: aq, transposeA: transposeA, b: bq, transposeB: transposeB, c: c, ldc: ldc,
                    accumulate: accumulate)
        } catch {
            if ProcessInfo.processInfo.environment["GENREKIT_DEBUG_GEMM"] != nil { FileHandle.standardError.write(Data("\(error)\n".utf8)) }
            GEMM.sgemm(m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
                       c: c, ldc: ldc, beta: accumulate ? 1 : 0)
        }
    }
}
