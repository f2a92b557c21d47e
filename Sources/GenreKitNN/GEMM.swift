import CBLAS

/// Thin wrappers over OpenBLAS `cblas_sgemm` for row-major float32 matrices.
public enum GEMM {
    /// `C ← α·op(A)·op(B) + β·C`, row-major.
    ///
    /// - `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`;
    /// - `lda`, `ldb`, `ldc` are row strides (elements) of the matrices *as stored*.
    @inlinable
    public static func sgemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float = 1, beta: Float = 0
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C scaled by β; do it explicitly for clarity.
            for i in 0..<m {
                let row = c + i * ldc
                for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
            }
            return
        }
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb),
                    beta, c, Int32(ldc))
    }

    /// Matrix product of two rank-2 tensors: `[m, k] × [k, n] → [m, n]`.
    public static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[0],
                     "matmul: \(a.shape) × \(b.shape)")
        let m = a.shape[0], k = a.shape[1], n = b.shape[1]
        if m == 0 || n == 0 || k == 0 { return Tensor(shape: [m, n]) }
        return Tensor(shape: [m, n]) { out in
            a.values.withUnsafeBufferPointer { pa in
                b.values.withUnsafeBufferPointer { pb in
                    sgemm(m: m, n: n, k: k, a: pa.baseAddress!, lda: k,
                          b: pb.baseAddress!, ldb: n, c: out.baseAddress!, ldc: n)
                }
            }
        }
    }
}
