import CDNNL
import Foundation

/// Exact int8 × int8 → int32 matrix products through oneDNN (`dnnl_gemm_s8s8s32`: VNNI / AVX-512 / AVX2 kernels
/// chosen at run time), for the hybrid layers (``HybridDense``):
///
///     C[m, n] = Σ_k A[m, k] · B[k, n]        (row-major, exact: integer arithmetic whatever the kernel)
///
/// oneDNN's CPU runtime here is OpenMP: a call uses `omp_get_max_threads()` threads of the calling thread. Callers that
/// already run one product per core wrap their work in ``withSingleThread(_:)``.
public enum Int8GEMM {
    /// `C = A · B`; false when oneDNN refused (the caller then uses its float path).
    static func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, c: UnsafeMutablePointer<Int32>) -> Bool {
        var offset: Int32 = 0
        return dnnl_gemm_s8s8s32(CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "F")),
                                 Int64(m), Int64(n), Int64(k), 1, a, Int64(k), 0, b, Int64(n), 0, 0, c, Int64(n), &offset) == dnnl_success
    }

    /// Runs `body` with oneDNN on the calling thread only (``DNNLThreads/withSingleThread(_:)``).
    public static func withSingleThread<R>(_ body: () throws -> R) rethrows -> R {
        try DNNLThreads.withSingleThread(body)
    }
}
