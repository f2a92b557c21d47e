import Foundation

/// An ``AudioSource`` decoded on a thread of its own, a few blocks ahead of the one reading it: the blocks, mixed to
/// mono, wait in a bounded queue (``capacity`` blocks), so the reader's own work (resampling, the log-mel, the
/// network) overlaps decoding instead of following it. ``AudioStream`` uses one when ``AudioDecoder/readAhead`` is set.
///
/// The blocks are exactly those a reader calling the source itself would get, in order: the same `read` calls with
/// the same block size, the end decided by the same rule (a read of 0 frames, or a short read where that means the
/// end). The decoding thread stops at the end, at the source's first error (handed to the reader after the blocks
/// before it), or when the reader lets go (``cancel()``; the thread holds this object until it stops, so an owner that
/// may stop reading early calls it, as ``AudioStream`` does when it is released).
final class AudioReadAhead: @unchecked Sendable {
    /// One block of mono frames; `isLast` when no block follows.
    struct Block {
        var mono: [Float]
        var isLast: Bool
    }

    /// Blocks decoded ahead at most.
    let capacity: Int
    /// Decoding threads running now, in the whole process (none once every stream has ended or was let go).
    static var runningThreads: Int { counter.lock(); defer { counter.unlock() }; return running }
    private static let counter = NSLock()
    nonisolated(unsafe) private static var running = 0
    private let condition = NSCondition()
    private var queue: [Block] = []
    private var failure: AudioError?
    private var ended = false        // the decoding thread posted its last block or error
    private var cancelled = false

    /// Starts decoding `source` (`channels` interleaved channels) in blocks of `blockFrames` frames.
    init(source: AudioSource, channels: Int, blockFrames: Int, capacity: Int = 4) {
        self.capacity = max(1, capacity)
        // Only the decoding thread touches the source until it has posted its end (the reader reads its end facts then).
        nonisolated(unsafe) let source = source
        AudioReadAhead.count(+1)
        let thread = Thread { [self] in
            decode(source, channels: channels, blockFrames: blockFrames)
            AudioReadAhead.count(-1)
        }
        thread.stackSize = 8 << 20      // decoders' own stack use, as on a main thread
        thread.start()
    }

    /// The next block, nil once the last was taken; throws the source's error in its place in the stream.
    func next() throws(AudioError) -> Block? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !ended { condition.wait() }
        if !queue.isEmpty {
            let block = queue.removeFirst()
            condition.broadcast()
            return block
        }
        if let failure { throw failure }
        return nil
    }

    private static func count(_ d: Int) { counter.lock(); running += d; counter.unlock() }

    /// Stops the decoding thread after the block it is reading (the reader gave up on the stream).
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The decoding thread: reads, mixes to mono and queues blocks until the end, an error, or ``cancel()``.
    private func decode(_ source: AudioSource, channels: Int, blockFrames: Int) {
        var interleaved = [Float](repeating: 0, count: blockFrames * channels)
        while true {
            let n: Int
            do {
                n = try interleaved.withUnsafeMutableBufferPointer { b throws(AudioError) in
                    try source.read(into: b.baseAddress!, frames: blockFrames)
                }
            } catch {
                post(nil, failure: error)
                return
            }
            let isLast = n <= 0 || (n < blockFrames && source.shortReadMeansEnd)
            var mono: [Float] = []
            if n > 0 {
                mono = [Float](unsafeUninitializedCapacity: n) { dst, count in
                    interleaved.withUnsafeBufferPointer { src in
                        AudioDecoder.mixToMono(src.baseAddress!, channels: channels, frames: n, into: dst.baseAddress!)
                    }
                    count = n
                }
            }
            if !post(n > 0 ? Block(mono: mono, isLast: isLast) : nil, failure: nil, last: isLast) || isLast { return }
        }
    }

    /// Queues `block` (waiting for room) and/or ends the stream; false when the reader cancelled.
    @discardableResult
    private func post(_ block: Block?, failure: AudioError?, last: Bool = true) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        if let block { queue.append(block) }
        if let failure { self.failure = failure }
        if last || failure != nil { ended = true }
        condition.broadcast()
        return true
    }
}
