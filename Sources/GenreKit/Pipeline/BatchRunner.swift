import Foundation
import GenreKitCore
import GenreKitDSP

/// Runs a per-file job over many files on all cores, reporting progress; results come back in input order and
/// a failing file does not stop the others.
public enum BatchRunner {
    /// Processes `items` with `work` on all cores (`concurrency` 1: one after another). `progress` is
    /// called after each finished item with (done, total), from any thread.
    public static func map<Item: Sendable, T: Sendable>(_ items: [Item], concurrency: Int = ProcessInfo.processInfo.activeProcessorCount,
                                                        progress: (@Sendable (Int, Int) -> Void)? = nil,
                                                        _ work: @escaping @Sendable (Item) throws -> T) -> [Result<T, Error>] {
        let results = Locked([Result<T, Error>?](repeating: nil, count: items.count))
        let done = Locked(0)
        let one: @Sendable (Int) -> Void = { i in
            let r = Result { try work(items[i]) }
            results.withLock { $0[i] = r }
            let n = done.withLock { $0 += 1; return $0 }
            progress?(n, items.count)
        }
        if concurrency <= 1 || items.count <= 1 {
            for i in items.indices { one(i) }
        } else {
            // One iteration per file so that any free thread takes the next file; each worker calls BLAS
            // single-threaded, the files are the parallelism.
            BLASThreads.withSingleThread { DispatchQueue.concurrentPerform(iterations: items.count, execute: one) }
        }
        return results.value.map { $0! }
    }
}
