import CBLAS
import Foundation

/// Control of OpenBLAS's own thread pool, so parallel loops that call BLAS per block do not oversubscribe cores.
public enum BLASThreads {
    /// How many callers are inside ``withSingleThread(_:)``, and the thread count to restore when none is.
    private static let state = Locked((depth: 0, saved: Int32(0)))

    /// Whether some caller is inside ``withSingleThread(_:)``: other GEMM libraries (oneDNN) then run one thread
    /// per call too.
    public static var isSingleThreaded: Bool { state.withLock { $0.depth > 0 } }

    /// Runs `body` with OpenBLAS limited to one thread (the caller parallelises), then restores the setting.
    public static func withSingleThread<R>(_ body: () throws -> R) rethrows -> R {
        state.withLock { s in
            if s.depth == 0 { s.saved = openblas_get_num_threads(); openblas_set_num_threads(1) }
            s.depth += 1
        }
        defer {
            state.withLock { s in
                s.depth -= 1
                if s.depth == 0 { openblas_set_num_threads(s.saved) }
            }
        }
        return try body()
    }
}
