import Foundation
import GenreKitCore

/// A bounded queue of window chunks between one producer thread (decoding, log-mel, cutting windows) and the
/// threads that run the chunks through the network, so a file is decoded while its first chunks are already in the
/// network. The producer waits while ``capacity`` chunks are queued (memory stays bounded); consumers wait for the
/// next chunk or the end.
///
/// Only the producer, a thread of its own (not a worker of Dispatch's pool), ever waits for room, and it always
/// makes progress, so the consumers may be `concurrentPerform` workers — nested inside another parallel loop too —
/// without any risk of every pool thread waiting on another.
final class ChunkPipeline<Chunk, Result>: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [(index: Int, chunk: Chunk)] = []
    private var pushed = 0
    private var closed = false
    private var outcome: Swift.Result<Result, Error>?
    /// Chunks queued at most.
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Queues the next chunk (producer); waits while the queue is full.
    func push(_ chunk: Chunk) {
        condition.lock()
        while queue.count >= capacity { condition.wait() }
        queue.append((pushed, chunk))
        pushed += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Ends the stream (producer) with its result or error; consumers finish what is queued, then stop.
    func close(_ result: Swift.Result<Result, Error>) {
        condition.lock()
        closed = true
        outcome = result
        condition.broadcast()
        condition.unlock()
    }

    /// The next chunk and its index (consumers), or nil once the stream is closed and drained.
    func pop() -> (index: Int, chunk: Chunk)? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !closed { condition.wait() }
        guard !queue.isEmpty else { return nil }
        let next = queue.removeFirst()
        condition.broadcast()
        return next
    }

    /// Waits for the producer's end and returns its result (or throws its error), with the number of chunks pushed.
    func result() throws -> (Result, chunks: Int) {
        condition.lock()
        while outcome == nil { condition.wait() }
        let (o, n) = (outcome!, pushed)
        condition.unlock()
        return (try o.get(), n)
    }

    /// Runs `produce` on a new thread (it pushes chunks and returns the stream's result) and `consume` on every chunk
    /// with `consumers` threads; returns the result and every chunk's output, in chunk order.
    ///
    /// With `consumerNice` 0 the consumers are this thread and workers of Dispatch's pool. Above 0 they are threads
    /// made for the call whose priority is lowered by that many nice levels (``ThreadPriority``), this thread waiting:
    /// the producer, on the critical path, then gets a core whenever it has work, and the consumers take what is left.
    static func run<Output>(consumers: Int, capacity: Int, consumerNice: Int32 = 0,
                            produce: @escaping @Sendable (ChunkPipeline) throws -> Result,
                            consume: @escaping @Sendable (Chunk) -> Output) throws -> (Result, [Output]) {
        let pipeline = ChunkPipeline(capacity: capacity)
        let producer = Thread {
            pipeline.close(Swift.Result { try produce(pipeline) })
        }
        producer.stackSize = 8 << 20
        producer.start()
        let outputs = Locked([Int: Output]())
        let drain: @Sendable () -> Void = {
            while let (i, chunk) = pipeline.pop() {
                let out = consume(chunk)
                outputs.withLock { $0[i] = out }
            }
        }
        if consumerNice > 0 {
            let finished = DispatchSemaphore(value: 0)
            for _ in 0..<max(1, consumers) {
                let thread = Thread {
                    ThreadPriority.lowerCurrentThread(by: consumerNice)
                    drain()
                    finished.signal()
                }
                thread.stackSize = 8 << 20
                thread.start()
            }
            for _ in 0..<max(1, consumers) { finished.wait() }
        } else {
            DispatchQueue.concurrentPerform(iterations: max(1, consumers)) { _ in drain() }
        }
        let (result, count) = try pipeline.result()
        let done = outputs.value
        return (result, (0..<count).map { done[$0]! })
    }
}
