import Foundation

/// Reusable scratch memory for the layers' hot loops: a buffer is taken for the length of a call and given back,
/// so a call that needs megabytes of scratch per chunk of windows (oneDNN's blocked convolution output, im2col
/// blocks) reuses pages already mapped instead of allocating, faulting in and returning fresh ones every time
/// (page-fault time of a 5-minute fp32 `genrekit tag` 79 → 52 ms, `perf`).
///
/// Buffers are 64-byte aligned and hold at least the bytes asked for; their contents are undefined. At most
/// ``kept`` idle buffers are kept (the smallest go first), so memory stays bounded by the largest concurrent need.
/// Thread-safe.
final class ScratchPool: @unchecked Sendable {
    /// The process's pool: up to two buffers per core in use at once (oneDNN's output and folded input, or one
    /// im2col + GEMM block), plus two.
    static let shared = ScratchPool(kept: 2 * ProcessInfo.processInfo.activeProcessorCount + 2)

    /// Idle buffers kept at most.
    let kept: Int
    private let lock = NSLock()
    private var idle: [(pointer: UnsafeMutableRawPointer, bytes: Int)] = []

    init(kept: Int) { self.kept = max(0, kept) }

    deinit { for b in idle { b.pointer.deallocate() } }

    /// Runs `body` with a buffer of at least `bytes` bytes (the smallest idle one that fits, else a new one), then
    /// keeps the buffer for the next caller.
    func withBytes<R>(_ bytes: Int, _ body: (UnsafeMutableRawPointer) throws -> R) rethrows -> R {
        let need = Swift.max(bytes, 64)
        lock.lock()
        let fit = idle.indices.filter { idle[$0].bytes >= need }.min { idle[$0].bytes < idle[$1].bytes }
        let taken = fit.map { idle.remove(at: $0) }
        lock.unlock()
        let buffer = taken ?? (UnsafeMutableRawPointer.allocate(byteCount: need, alignment: 64), need)
        defer {
            lock.lock()
            idle.append(buffer)
            if idle.count > kept, let smallest = idle.indices.min(by: { idle[$0].bytes < idle[$1].bytes }) {
                idle.remove(at: smallest).pointer.deallocate()
            }
            lock.unlock()
        }
        return try body(buffer.pointer)
    }

    /// ``withBytes(_:_:)`` typed: a buffer of at least `count` elements of `T`.
    func with<T, R>(_ type: T.Type, count: Int, _ body: (UnsafeMutablePointer<T>) throws -> R) rethrows -> R {
        try withBytes(Swift.max(count, 1) * MemoryLayout<T>.stride) { try body($0.bindMemory(to: T.self, capacity: Swift.max(count, 1))) }
    }

    /// Idle buffers now (tests).
    var idleCount: Int { lock.lock(); defer { lock.unlock() }; return idle.count }
}
