import Foundation
import GenreKit
import PostgresNIO

/// Why one attempt of a PostgreSQL operation was given up (both are retried as a lost connection).
enum PostgresAttemptError: Error, CustomStringConvertible {
    /// No pooled connection was handed out within the lease wait.
    case noConnection(seconds: Double)
    /// The leased connection closed while the operation ran.
    case connectionClosed

    var description: String {
        switch self {
        case .noConnection(let s): return String(format: "no database connection within %.0f s", s)
        case .connectionClosed: return "the database connection closed"
        }
    }
}

/// One attempt of a store operation on a pooled connection, bounded so that it can never park forever.
///
/// Two waits inside PostgresNIO 1.33 can last forever after a server restart, and both are bounded here:
/// - **the lease**: when the pool's last connections close while lease requests are queued, the pool opens no
///   replacement (`minimumConnections` 0) until some *new* request arrives, so the queued ones wait forever
///   (postgres-nio issue 657). A lease not handed out within `leaseWait` seconds is cancelled and the attempt fails
///   with ``PostgresAttemptError/noConnection(seconds:)``; the retry is a new request, which opens a connection.
/// - **a query on a dead connection**: a query written after the closed channel's handlers were removed is dropped
///   without failing its promise, so its `await` never returns (a `ROLLBACK` after a failed statement, or a lease
///   of a connection whose close the pool has not processed yet). Once the leased connection's close future fires,
///   the attempt fails with ``PostgresAttemptError/connectionClosed`` after ``closeGrace`` seconds unless the
///   operation finished first (a reply that raced the close still counts).
///
/// The operation runs in a task of its own so that the caller can be resumed while a dropped query stays parked;
/// that task is cancelled and left behind (it holds no pooled connection: the pool forgets closed ones).
enum PostgresAttempt {
    /// How long an operation may still finish after its connection closed.
    static let closeGrace = 0.5

    static func run<T: Sendable>(client: PostgresClient, watch: ConnectionWatch, leaseWait: Double,
                                 _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let gate = AttemptGate<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
                gate.start(continuation)
                let work = Task {
                    do {
                        let value = try await client.withConnection { conn -> T in
                            guard gate.begin() else { throw PostgresAttemptError.noConnection(seconds: leaseWait) }
                            let key = watch.add(conn) { gate.connectionClosed() }
                            defer { watch.remove(conn.id, key: key) }
                            return try await body(conn)
                        }
                        gate.finish(.success(value))
                    } catch {
                        gate.finish(.failure(error))
                    }
                }
                let timer = Task {
                    try? await Task.sleep(nanoseconds: UInt64(leaseWait * 1e9))
                    if !Task.isCancelled, gate.abandonIfWaiting(leaseWait) { work.cancel() }
                }
                gate.attach(work: work, timer: timer)
            }
        } onCancel: {
            gate.finish(.failure(CancellationError()))
        }
    }
}

/// The state of one ``PostgresAttempt``: the caller is resumed exactly once, by whichever comes first of the
/// operation's result, the lease wait running out, the connection closing, or cancellation.
final class AttemptGate<T: Sendable>: Sendable {
    private enum Phase { case waiting, running, finished }
    private struct State {
        var phase = Phase.waiting
        var continuation: CheckedContinuation<T, Error>?
        var early: Result<T, Error>?
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
    }
    private let state = Locked(State())

    func start(_ continuation: CheckedContinuation<T, Error>) {
        let early: Result<T, Error>? = state.withLock { s in
            if s.early == nil { s.continuation = continuation }
            return s.early
        }
        if let early { continuation.resume(with: early) }
    }

    func attach(work: Task<Void, Never>, timer: Task<Void, Never>) {
        let finished = state.withLock { s -> Bool in
            s.work = work
            s.timer = timer
            return s.phase == .finished
        }
        if finished { timer.cancel(); work.cancel() }
    }

    /// The lease was handed out: true when the operation may run (the attempt was not given up).
    func begin() -> Bool {
        state.withLock { s -> Bool in
            guard s.phase == .waiting else { return false }
            s.phase = .running
            return true
        }
    }

    /// The leased connection closed: the attempt fails after ``PostgresAttempt/closeGrace`` unless it finished.
    func connectionClosed() {
        Task {
            try? await Task.sleep(nanoseconds: UInt64(PostgresAttempt.closeGrace * 1e9))
            self.finish(.failure(PostgresAttemptError.connectionClosed))
        }
    }

    /// Gives the attempt up when no lease was handed out yet; true when it did.
    func abandonIfWaiting(_ seconds: Double) -> Bool {
        let waiting = state.withLock { $0.phase == .waiting }
        guard waiting else { return false }
        return finish(.failure(PostgresAttemptError.noConnection(seconds: seconds)))
    }

    /// Resumes the caller with `result` unless it was resumed already; true when this call did.
    @discardableResult
    func finish(_ result: Result<T, Error>) -> Bool {
        let (continuation, tasks, first) = state.withLock { s -> (CheckedContinuation<T, Error>?, [Task<Void, Never>], Bool) in
            guard s.phase != .finished else { return (nil, [], false) }
            s.phase = .finished
            let c = s.continuation
            s.continuation = nil
            if c == nil { s.early = result }
            return (c, [s.timer, s.work].compactMap { $0 }, true)
        }
        for t in tasks { t.cancel() }   // the timer, and an operation left behind
        continuation?.resume(with: result)
        return first
    }
}

/// The pooled connections operations are running on, each watched for its close once (one callback per
/// connection, not per operation, so a long-lived connection collects nothing).
final class ConnectionWatch: Sendable {
    private struct State {
        var next = 0
        var watched: [Int: [Int: @Sendable () -> Void]] = [:]
    }
    private let state = Locked(State())

    init() {}

    /// Calls `onClose` if `conn` closes before ``remove(_:key:)``; returns the key to remove it with.
    func add(_ conn: PostgresConnection, onClose: @escaping @Sendable () -> Void) -> Int {
        let id = conn.id
        let (key, first) = state.withLock { s -> (Int, Bool) in
            s.next += 1
            let first = s.watched[id] == nil
            s.watched[id, default: [:]][s.next] = onClose
            return (s.next, first)
        }
        if first { conn.closeFuture.whenComplete { _ in self.closed(id) } }
        return key
    }

    func remove(_ id: Int, key: Int) {
        state.withLock { s in
            s.watched[id]?[key] = nil
        }
    }

    private func closed(_ id: Int) {
        let callbacks = state.withLock { s in s.watched.removeValue(forKey: id).map { Array($0.values) } ?? [] }
        for c in callbacks { c() }
    }
}
