import Foundation

/// The queue's state for `catalog status`: counts, per-worker throughput, and the estimated time left.
///
/// Throughput of a worker = songs finished (done + failed) / seconds between its first and last batch. Workers
/// seen within ``activeWindow`` seconds count as active; ETA = (pending + leased) / the sum of their throughputs.
public struct CatalogStatus: Sendable, Codable, Equatable {
    /// Seconds since its last batch within which a worker counts as active.
    public static let activeWindow: Double = 600

    public var store: String
    public var counts: CatalogCounts
    public var workers: [CatalogWorkerStats]
    /// Songs per second of the active workers together.
    public var songsPerSecond: Double
    /// Seconds left at that rate (nil when no worker is active or nothing is left).
    public var etaSeconds: Double?

    public init(store: String, counts: CatalogCounts, workers: [CatalogWorkerStats], now: Double = Date().timeIntervalSince1970) {
        self.store = store
        self.counts = counts
        self.workers = workers
        songsPerSecond = workers.filter { now - $0.lastSeen <= Self.activeWindow }.reduce(0) { $0 + $1.songsPerSecond }
        let left = counts.pending + counts.leased
        etaSeconds = left > 0 && songsPerSecond > 0 ? Double(left) / songsPerSecond : nil
    }

    /// Reads the status of `store`.
    public static func read(_ store: any CatalogStore) async throws -> CatalogStatus {
        CatalogStatus(store: store.location, counts: try await store.counts(), workers: try await store.workers())
    }
}
