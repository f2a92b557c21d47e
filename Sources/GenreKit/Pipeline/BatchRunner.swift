import Foundation
import GenreKitCore
import GenreKitDSP

/// Runs a per-file job over many files on all cores, reporting progress; results come back in input order and
/// a failing file does not stop the others.
public enum BatchRunner {
    /// Processes `items` with `work` on all cores (`concurrency` 1: one after another). `progress` is
    /// called after each finished item with (done, total), from any thread.
    public static func map<T: Sendable>(_ items: [String], concurrency: Int = ProcessInfo.processInfo.activeProcessorCount,
                                        progress: (@Sendable (Int, Int) -> Void)? = nil,
                                        _ work: @escaping @Sendable (String) throws -> T) -> [Result<T, Error>] {
        let results = ResultBox<T>(count: items.count)
        let done = Counter()
        let one: @Sendable (Int) -> Void = { i in
            results.set(i, Result { try work(items[i]) })
            progress?(done.increment(), items.count)
        }
        if concurrency <= 1 || items.count <= 1 {
            for i in items.indices { one(i) }
        } else {
            // One iteration per file so that any free thread takes the next file; each worker calls BLAS
            // single-threaded, the files are the parallelism.
            BLASThreads.withSingleThread { DispatchQueue.concurrentPerform(iterations: items.count, execute: one) }
        }
        return results.values.map { $0! }
    }

    private final class Counter: @unchecked Sendable {
        private var n = 0
        private let lock = NSLock()
        func increment() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
    }

    private final class ResultBox<T>: @unchecked Sendable {
        private(set) var values: [Result<T, Error>?]
        private let lock = NSLock()
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ r: Result<T, Error>) { lock.lock(); values[i] = r; lock.unlock() }
    }
}
