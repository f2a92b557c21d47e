import CBLAS
import Foundation

/// Control of OpenBLAS's own thread pool, so parallel loops that call BLAS per block do not oversubscribe cores.
public enum BLASThreads {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var depth = 0
    nonisolated(unsafe) private static var saved: Int32 = 0

    /// Runs `body` with OpenBLAS limited to one thread (the caller parallelises), then restores the setting.
    public static func withSingleThread<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        if depth == 0 { saved = openblas_get_num_threads(); openblas_set_num_threads(1) }
        depth += 1
        lock.unlock()
        defer {
            lock.lock(); depth -= 1
            if depth == 0 { openblas_set_num_threads(saved) }
            lock.unlock()
        }
        return try body()
    }
}
