import Foundation

/// Which library runs a float32 weight GEMM of a given shape, decided by measuring both on the first product of
/// that shape and kept: for the rest of the process (so one layer always runs the same kernel, and its results do
/// not change from one call to the next), and for later processes on this machine (``KernelPlanStore``).
///
/// The key leaves out the row count `m` (it changes with the batch and the last block): columns `n`, depth `k`
/// and the strides. `GENREKIT_FP32_GEMM=openblas|onednn` forces one library for every shape (tests, benchmarks).
public enum GEMMPlan {
    public enum Backend: String, Sendable { case openblas, onednn }

    struct Key: Hashable {
        var n: Int, k: Int, lda: Int, ldc: Int
        /// The key in ``KernelPlanStore``.
        var stored: String { "gemm fp32 n=\(n) k=\(k) lda=\(lda) ldc=\(ldc)" }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var decided: [Key: Backend] = [:]
    nonisolated(unsafe) private static var timings: [Key: (openblas: Double, onednn: Double)] = [:]

    /// The library forced by `GENREKIT_FP32_GEMM`, if any.
    public static let forced: Backend? = {
        guard let v = ProcessInfo.processInfo.environment["GENREKIT_FP32_GEMM"]?.lowercased() else { return nil }
        return Backend(rawValue: v)
    }()

    /// Every decision so far: `n × k (lda, ldc) → library (OpenBLAS ms, oneDNN ms)`, for the benchmarks.
    public static var decisions: [(n: Int, k: Int, backend: Backend, openblasSeconds: Double, onednnSeconds: Double)] {
        lock.lock(); defer { lock.unlock() }
        return decided.map { key, b in
            let t = timings[key] ?? (0, 0)
            return (key.n, key.k, b, t.openblas, t.onednn)
        }.sorted { ($0.k, $0.n) < ($1.k, $1.n) }
    }

    static func backend(for key: Key) -> Backend? {
        if let forced { return DNNLEngine.shared == nil ? .openblas : forced }
        if DNNLEngine.shared == nil { return .openblas }
        lock.lock(); defer { lock.unlock() }
        if let d = decided[key] { return d }
        if let e = KernelPlanStore.lookup(key.stored), let b = Backend(rawValue: e.choice) {
            decided[key] = b
            timings[key] = (e.seconds[Backend.openblas.rawValue] ?? 0, e.seconds[Backend.onednn.rawValue] ?? 0)
            return b
        }
        return nil
    }

    /// Records a measured decision (the first one for a key wins, so concurrent first calls agree afterwards).
    static func decide(_ key: Key, openblas: Double, onednn: Double) -> Backend {
        lock.lock(); defer { lock.unlock() }
        if let d = decided[key] { return d }
        // oneDNN must win clearly: a tie keeps OpenBLAS.
        let b: Backend = onednn < 0.95 * openblas ? .onednn : .openblas
        decided[key] = b
        timings[key] = (openblas, onednn)
        KernelPlanStore.record(key.stored, .init(choice: b.rawValue, seconds: [Backend.openblas.rawValue: openblas,
                                                                              Backend.onednn.rawValue: onednn]))
        return b
    }
}
