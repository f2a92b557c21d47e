/// The GEMMs of the backward passes in the precision a training run asks for: `fp32` is exactly `GEMM.sgemm`
/// (OpenBLAS); `bf16` rounds both operands to bfloat16 and sums in float32 (``BFloat16GEMM``).
enum TrainingGEMM {
    /// `C ← op(A)·op(B) + β·C` with `β` 0 or 1, as `GEMM.sgemm` takes it.
    static func gemm(m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                     b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                     c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0, precision: InferencePrecision) {
        precondition(beta == 0 || beta == 1, "TrainingGEMM: β must be 0 or 1")
        if precision == .bf16 {
            BFloat16GEMM.gemm(m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
                              c: c, ldc: ldc, accumulate: beta == 1)
        } else {
            GEMM.sgemm(m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
                       c: c, ldc: ldc, beta: beta)
        }
    }
}
