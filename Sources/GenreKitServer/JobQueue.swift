import Dispatch
import Foundation
import GenreKit

/// A bounded queue of blocking jobs (decoding, inference): at most ``workers`` run at once, on Dispatch's threads
/// (never on the server's event loops or Swift's cooperative pool), and at most ``depth`` wait; a job beyond that is
/// refused at once (``JobQueueError/full``), so a burst of uploads cannot pile up without limit.
///
/// Every job comes with a `finally` that runs exactly once: after the job (or instead of it when the job was refused,
/// or when its caller stopped waiting before it started). The caller may stop waiting — a timeout, a cancelled
/// request — while the job runs on; `finally` then still runs when the job ends, so a temporary file the job reads
/// is removed after the last reader.
public final class JobQueue: Sendable {
    public let workers: Int
    public let depth: Int

    private struct State {
        var running = 0
        var waiting: [@Sendable () -> Void] = []
        var closed = false
        var completed = 0
    }
    private let state = Locked(State())
    private let queue = DispatchQueue(label: "genrekit.jobs", qos: .userInitiated, attributes: .concurrent)
    private let idle = DispatchGroup()

    public init(workers: Int, depth: Int) {
        self.workers = max(1, workers)
        self.depth = max(0, depth)
    }

    /// Jobs running and waiting now.
    public var load: (running: Int, waiting: Int) { state.withLock { ($0.running, $0.waiting.count) } }
    /// Jobs finished since the start.
    public var completed: Int { state.withLock { $0.completed } }

    /// Refuses new jobs from now on (graceful shutdown); running and waiting ones finish.
    public func close() { state.withLock { $0.closed = true } }

    /// Returns when no job runs or waits (tests, shutdown).
    public func idleNow() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in idle.notify(queue: .global()) { c.resume() } }
    }

    /// Runs `work` on a worker and returns its result.
    /// - Throws: ``JobQueueError/full`` or ``JobQueueError/closed`` (the job never runs), ``JobQueueError/timedOut``
    ///   after `timeout` seconds (the job may go on; `finally` runs when it ends), `CancellationError` when the
    ///   calling task is cancelled, or what `work` throws.
    public func run<T: Sendable>(timeout: Double?, _ work: @escaping @Sendable () throws -> T,
                                 finally: @escaping @Sendable () -> Void = {}) async throws -> T {
        let handoff = Handoff<T>()
        // The worker is freed and `finally` has run before the caller hears the result, so a client that sends its
        // next request as soon as it has the answer finds the slot free (and the temporary file gone).
        let job: @Sendable () -> Void = { [self] in
            let result: Result<T, Error>? = handoff.isResolved ? nil : Result { try work() }  // nil: its caller gave up
            finally()
            finish()
            if let result { handoff.resolve(result) }
        }
        let admitted: Result<Bool, JobQueueError> = state.withLock { s in
            if s.closed { return .failure(.closed) }
            if s.running < workers { s.running += 1; return .success(true) }
            if s.waiting.count < depth { s.waiting.append(job); return .success(false) }
            return .failure(.full)
        }
        switch admitted {
        case .failure(let e): finally(); throw e
        case .success(let now):
            idle.enter()
            if now { queue.async(execute: job) }
        }
        let timer = timeout.map { seconds in
            Task {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                handoff.resolve(.failure(JobQueueError.timedOut))
            }
        }
        defer { timer?.cancel() }
        return try await withTaskCancellationHandler {
            try await handoff.value()
        } onCancel: {
            handoff.resolve(.failure(CancellationError()))
        }
    }

    /// A job ended: start the next waiting one on the freed worker, or free it.
    private func finish() {
        let next: (@Sendable () -> Void)? = state.withLock { s in
            s.completed += 1
            if s.waiting.isEmpty { s.running -= 1; return nil }
            return s.waiting.removeFirst()
        }
        if let next { queue.async(execute: next) }
        idle.leave()
    }
}

/// Why a job did not give its result.
public enum JobQueueError: Error, Equatable, CustomStringConvertible {
    case full
    case closed
    case timedOut

    public var description: String {
        switch self {
        case .full: return "every worker is busy and the queue is full; retry after the time in Retry-After"
        case .closed: return "the server is shutting down; retry on another instance or after it restarts"
        case .timedOut: return "the analysis took longer than the server's --timeout; send a shorter file or raise --timeout"
        }
    }
}

/// A result handed from a worker thread to one waiting task, exactly once (later results are dropped).
final class Handoff<T: Sendable>: Sendable {
    private struct State {
        var result: Result<T, Error>?
        var waiter: CheckedContinuation<T, Error>?
    }
    private let state = Locked(State())

    var isResolved: Bool { state.withLock { $0.result != nil } }

    func resolve(_ result: Result<T, Error>) {
        let waiter: CheckedContinuation<T, Error>? = state.withLock { s in
            guard s.result == nil else { return nil }
            s.result = result
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(with: result)
    }

    func value() async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, Error>) in
            let ready: Result<T, Error>? = state.withLock { s in
                if let r = s.result { return r }
                s.waiter = c
                return nil
            }
            if let ready { c.resume(with: ready) }
        }
    }
}
