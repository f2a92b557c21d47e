import CBLAS
import Foundation

/// Control of OpenBLAS's own thread pool, so parallel loops that call BLAS per block do not oversubscribe cores.
public enum BLASThreads {
    /// How many callers are inside ``withSingleThread(_:)``, and the thread count to restore when none is.
    private static let state = Locked((depth: 0, saved: Int32(0)))

    /// Whether some caller is inside ``withSingleThread(_:)``: other GEMM libraries (oneDNN) then run one thread
    /// per call too.
    public static var isSingleThreaded: Bool { state.withLock { $0.depth > 0 } }

    /// Makes OpenBLAS's idle worker threads go to sleep after ~2²² cycles (~1.5 ms) instead of 2²⁸ (~0.1 s).
    ///
    /// OpenBLAS's workers wait for work by spinning on `sched_yield` for its thread timeout before they sleep, after
    /// the library loads, after each threaded call, and after each `openblas_set_num_threads` (which
    /// ``withSingleThread(_:)`` calls): in a one-shot `genrekit tag` of a 5-min MP3 on 2 cores that spin took ~0.1 s
    /// of CPU from the decoding and network threads (interleaved medians of 8: 0.893 → 0.837 s wall, 1.68 → 1.56 s CPU). This sets
    /// `OPENBLAS_THREAD_TIMEOUT=22` unless the environment already sets it, has OpenBLAS read it, and stops the
    /// workers, which the next call that needs them starts again with the short timeout. Call it only while no other
    /// thread can be inside an OpenBLAS call (the command-line tool calls it once, before its command runs).
    public static func shortenIdleSpinning() {
        setenv("OPENBLAS_THREAD_TIMEOUT", "22", 0)
        openblas_read_env()
        _ = blas_thread_shutdown_()
    }

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
