import Foundation
import GenreKit

/// How a worker runs (`catalog work` options).
public struct CatalogWorkOptions: Sendable {
    /// The worker's name in leases and statistics (default `HOST:PID`).
    public var worker: String
    /// Songs claimed at once.
    public var batch: Int = 32
    /// Lease length in seconds; the lease is renewed every third of it while the batch runs.
    public var leaseSeconds: Double = 300
    /// Keep polling for new songs instead of exiting when the queue is empty.
    public var follow = false
    /// The longest wait between polls of an empty queue, in seconds: the wait starts at
    /// ``CatalogPollBackoff/shortest`` and doubles up to this while nothing can be claimed (so a worker waiting for
    /// another's last batch notices within a few tens of milliseconds, and an idle `--follow` worker polls every
    /// `pollSeconds`).
    public var pollSeconds: Double = 2
    /// Files processed at once.
    public var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount

    public init(worker: String = CatalogWorkOptions.defaultWorkerName()) { self.worker = worker }

    /// `HOST:PID`.
    public static func defaultWorkerName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }
}

/// A stop request (SIGTERM/SIGINT): the worker stops claiming, finishes the files it started, returns the others
/// of its batch to the queue, and exits.
public final class CatalogStopFlag: Sendable {
    private let flag = Locked(false)
    public init() {}
    public func stop() { flag.withLock { $0 = true } }
    public var isSet: Bool { flag.value }
}

/// What a worker did.
public struct CatalogWorkSummary: Sendable, Equatable {
    public var batches = 0, done = 0, failed = 0, released = 0
    public var seconds = 0.0
    public init() {}
}

/// One worker's loop: claim a batch, renew its lease while processing the files, write the batch's results and
/// failures in one transaction; until the queue has nothing pending or leased (or, with ``CatalogWorkOptions/follow``,
/// until stopped).
public struct CatalogWorker: Sendable {
    public let store: any CatalogStore
    public let processor: any CatalogSongProcessing
    public let options: CatalogWorkOptions

    public init(store: any CatalogStore, processor: any CatalogSongProcessing, options: CatalogWorkOptions) {
        self.store = store
        self.processor = processor
        self.options = options
    }

    /// Runs until the queue is empty (or `stop`); `report` is called after each batch with the running summary.
    public func run(stop: CatalogStopFlag = CatalogStopFlag(), report: (@Sendable (CatalogWorkSummary) -> Void)? = nil) async throws -> CatalogWorkSummary {
        var summary = CatalogWorkSummary()
        let start = Date()
        var wait = CatalogPollBackoff(longest: options.pollSeconds)
        while !stop.isSet {
            let batch = try await store.claim(worker: options.worker, limit: options.batch, leaseSeconds: options.leaseSeconds)
            if batch.isEmpty {
                if !options.follow {
                    let c = try await store.counts()
                    if c.pending == 0 && c.leased == 0 { break }
                }
                try await sleep(wait.next(), unless: stop)
                continue
            }
            wait.reset()
            try await work(batch, stop: stop, summary: &summary)
            summary.seconds = Date().timeIntervalSince(start)
            report?(summary)
        }
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    /// Processes one claimed batch and records it.
    func work(_ batch: [ClaimedSong], stop: CatalogStopFlag, summary: inout CatalogWorkSummary) async throws {
        let started = Date()
        let ids = batch.map(\.id)
        let renewal = Task { [store, options] in
            let interval = max(options.leaseSeconds / 3, 0.2)
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                if Task.isCancelled { break }
                _ = try? await store.renew(worker: options.worker, ids: ids, leaseSeconds: options.leaseSeconds)
            }
        }
        let outcomes = await process(batch, stop: stop)
        renewal.cancel()
        var results: [SongResult] = [], failures: [SongFailure] = [], skipped: [Int64] = []
        for (song, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .some(.success(var r)): r.songID = song.id; results.append(r)
            case .some(.failure(let e)): failures.append(SongFailure(songID: song.id, message: Self.oneLine(e)))
            case .none: skipped.append(song.id)
            }
        }
        try await store.complete(worker: options.worker, results: results, failures: failures,
                                 busySeconds: Date().timeIntervalSince(started))
        if !skipped.isEmpty { try await store.release(worker: options.worker, ids: skipped) }
        summary.batches += 1
        summary.done += results.count
        summary.failed += failures.count
        summary.released += skipped.count
    }

    /// Runs the processor over the batch on a thread of its own (not the concurrency pool); a file not yet started
    /// when `stop` is set is skipped (nil).
    func process(_ batch: [ClaimedSong], stop: CatalogStopFlag) async -> [Result<SongResult, Error>?] {
        let processor = self.processor, concurrency = options.concurrency
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let out = BatchRunner.map(batch, concurrency: concurrency) { song -> SongResult? in
                    if stop.isSet { return nil }
                    return try processor.process(path: song.location)
                }
                continuation.resume(returning: out.map { r -> Result<SongResult, Error>? in
                    switch r {
                    case .success(let v): return v.map { .success($0) }
                    case .failure(let e): return .failure(e)
                    }
                })
            }
        }
    }

    private func sleep(_ seconds: Double, unless stop: CatalogStopFlag) async throws {
        var left = seconds
        while left > 0 && !stop.isSet {
            let step = min(left, 0.2)
            try await Task.sleep(nanoseconds: UInt64(step * 1e9))
            left -= step
        }
    }

    /// An error as one line (the first line of its description).
    static func oneLine(_ error: Error) -> String {
        let text = "\(error)"
        return String(text.split(separator: "\n", maxSplits: 1).first ?? Substring(text)).trimmingCharacters(in: .whitespaces)
    }
}
