import Foundation

/// A value shared between threads behind a lock: the one box GenreKit uses for results, counters and flags
/// written from concurrent work (`DispatchQueue.concurrentPerform`, per-file jobs, progress callbacks).
///
/// ```swift
/// let done = Locked(0)
/// DispatchQueue.concurrentPerform(iterations: n) { _ in done.withLock { $0 += 1 } }
/// ```
public final class Locked<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()

    /// A box holding `value`.
    public init(_ value: Value) { stored = value }

    /// Runs `body` with exclusive access to the value and returns what it returns.
    @discardableResult
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&stored)
    }

    /// A copy of the value, read under the lock.
    public var value: Value { withLock { $0 } }
}
