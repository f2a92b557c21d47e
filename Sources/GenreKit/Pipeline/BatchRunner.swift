import Foundation
import GenreKitCore
import GenreKitDSP

/// Runs a per-file job over many files on all cores, reporting progress; results come back in input order and
/// a failing file does not stop the others.
public enum BatchRunner {
    /// The parallel batch the current thread is working for (bound inside each item's `work` when ``forEach`` runs
    /// items at once; nil elsewhere, including a batch that runs its items in turn).
    @TaskLocal public static var current: Batch?

    /// What a worker of a parallel batch knows of it: whether files are still waiting for a worker. While they are,
    /// the files are the parallelism and a file's own work runs on its worker's thread alone (``Tagger`` does);
    /// once none is waiting, the last files may use the cores the finished workers leave idle.
    public final class Batch: Sendable {
        public let total: Int
        private let started = Locked(0)

        init(total: Int) { self.total = total }

        func start() { started.withLock { $0 += 1 } }

        /// Whether some item of the batch has not been started yet.
        public var hasWaitingItems: Bool { started.withLock { $0 < total } }
    }

    /// Processes `items` with `work` on all cores (`concurrency` 1: one after another). `progress` is
    /// called after each finished item with (done, total), from any thread.
    public static func map<Item: Sendable, T: Sendable>(_ items: [Item], concurrency: Int = ProcessInfo.processInfo.activeProcessorCount,
                                                        progress: (@Sendable (Int, Int) -> Void)? = nil,
                                                        _ work: @escaping @Sendable (Item) throws -> T) -> [Result<T, Error>] {
        let results = Locked([Result<T, Error>?](repeating: nil, count: items.count))
        forEach(items, concurrency: concurrency, progress: progress, work) { i, r in results.withLock { $0[i] = r } }
        return results.value.map { $0! }
    }

    /// Processes `items` like ``map(_:concurrency:progress:_:)``, but hands each result to `emit` as soon as it and
    /// every earlier item are done: in input order, one call at a time. A batch's output can then be written file
    /// by file, and what is finished is not lost when the process is stopped; no result is kept after its `emit`.
    public static func forEach<Item: Sendable, T: Sendable>(_ items: [Item], concurrency: Int = ProcessInfo.processInfo.activeProcessorCount,
                                                            progress: (@Sendable (Int, Int) -> Void)? = nil,
                                                            _ work: @escaping @Sendable (Item) throws -> T,
                                                            emit: @escaping @Sendable (Int, Result<T, Error>) -> Void) {
        // Finished results waiting for an earlier one, the next index to emit, and the count done.
        let state = Locked((waiting: [Int: Result<T, Error>](), next: 0, done: 0))
        let parallel = concurrency > 1 && items.count > 1
        let batch = Batch(total: items.count)
        let one: @Sendable (Int) -> Void = { i in
            let r: Result<T, Error>
            if parallel {
                batch.start()
                r = $current.withValue(batch) { Result { try work(items[i]) } }
            } else {
                r = Result { try work(items[i]) }
            }
            let n = state.withLock { s -> Int in
                s.waiting[i] = r
                while let ready = s.waiting.removeValue(forKey: s.next) {
                    emit(s.next, ready)
                    s.next += 1
                }
                s.done += 1
                return s.done
            }
            progress?(n, items.count)
        }
        if !parallel {
            for i in items.indices { one(i) }
        } else {
            // One iteration per file so that any free thread takes the next file; each worker calls BLAS
            // single-threaded, the files are the parallelism.
            BLASThreads.withSingleThread { DispatchQueue.concurrentPerform(iterations: items.count, execute: one) }
        }
    }
}
