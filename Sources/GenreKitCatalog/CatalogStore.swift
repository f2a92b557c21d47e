import Foundation
import GenreKit

/// A catalog of songs with their work queue and results, in SQLite (``SQLiteCatalogStore``, embedded, one
/// machine) or PostgreSQL (``PostgresCatalogStore``, shared by workers on many machines).
///
/// The queue is the songs table itself: a song is `pending`, `leased` (a worker holds it until its lease
/// expires), `done` or `failed`. ``claim(worker:limit:leaseSeconds:)`` takes pending songs and songs whose lease
/// expired, skipping rows another worker is claiming (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one
/// writer, so its claim transaction is exclusive). Results are keyed (song, feature spec / model), so a re-run or
/// a second worker overwrites rather than duplicates them.
///
/// Every method is one transaction; a store is safe to share between tasks.
public protocol CatalogStore: Sendable {
    /// Where the store is (`sqlite:PATH`, `postgres://user@host:port/db`; no password).
    var location: String { get }

    /// Creates the schema or migrates it to ``CatalogSchema/version``; returns (version before, version after).
    /// - Throws: ``CatalogError/newerSchema(store:found:supported:)`` for a store written by a newer GenreKit.
    func migrate() async throws -> (from: Int, to: Int)
    /// The schema version recorded in the store (0: not initialised).
    func schemaVersion() async throws -> Int

    /// Registers songs, idempotently: a known location is unchanged unless its size or mtime changed (then it is
    /// pending again). Returns how many were new or changed.
    func add(_ songs: [CatalogSong]) async throws -> Int

    /// Leases up to `limit` songs to `worker` for `leaseSeconds`: songs whose lease expired first, then pending
    /// ones in id order. A song whose lease expired ``CatalogQueue/maximumAttempts`` times is marked failed instead.
    func claim(worker: String, limit: Int, leaseSeconds: Double) async throws -> [ClaimedSong]
    /// Extends `worker`'s lease on `ids`; returns how many it still holds.
    func renew(worker: String, ids: [Int64], leaseSeconds: Double) async throws -> Int
    /// Writes a batch's results and failures in one transaction and clears `worker`'s leases on them;
    /// `busySeconds` is the time the worker spent on the batch (for throughput).
    func complete(worker: String, results: [SongResult], failures: [SongFailure], busySeconds: Double) async throws
    /// Returns `worker`'s leased songs among `ids` to the queue.
    func release(worker: String, ids: [Int64]) async throws

    /// Songs per state.
    func counts() async throws -> CatalogCounts
    /// Workers that completed batches, most recent first.
    func workers() async throws -> [CatalogWorkerStats]
    /// Failed songs with their messages, in id order.
    func failures(limit: Int) async throws -> [CatalogFailure]
    /// Puts failed songs (`scope` .failed), or failed and done songs (.all), back in the queue; returns how many.
    func retry(_ scope: CatalogRetryScope) async throws -> Int

    /// Up to `limit` songs with id > `after`, in id order, with their results (for streaming exports).
    func exportChunk(after: Int64, limit: Int) async throws -> [CatalogExportRow]
    /// Up to `limit` song vectors of `spec` with song id > `after`, in id order.
    func vectorChunk(spec: String, after: Int64, limit: Int) async throws -> CatalogVectorChunk
    /// The song with this id, or nil.
    func song(id: Int64) async throws -> CatalogSongRecord?
    /// The song at this location, or nil.
    func song(location: String) async throws -> CatalogSongRecord?
    /// The stored song vector of `spec` for a song, or nil.
    func vector(songID: Int64, spec: String) async throws -> [Float]?
    /// The stored song vectors of `spec` (with their window counts) of the songs at `locations`, by location;
    /// locations without one are left out.
    func songVectors(locations: [String], spec: String) async throws -> [String: StoredSongVector]
    /// The distinct feature spec keys stored.
    func featureSpecs() async throws -> [String]

    /// Closes connections.
    func close() async
}

/// A song to register.
public struct CatalogSong: Sendable, Hashable {
    /// Absolute path (or URL-like location) of the audio.
    public var location: String
    /// Size in bytes (0 when unknown).
    public var size: Int64
    /// Modification time, seconds since 1970 (0 when unknown).
    public var mtime: Double
    /// Labels, `;`-separated (may be empty).
    public var labels: String

    public init(location: String, size: Int64 = 0, mtime: Double = 0, labels: String = "") {
        self.location = location
        self.size = size
        self.mtime = mtime
        self.labels = labels
    }
}

/// A song as stored.
public struct CatalogSongRecord: Sendable, Equatable {
    public var id: Int64
    public var location: String
    public var labels: String
    public var state: CatalogSongState
    public var attempts: Int
    public var error: String?

    public init(id: Int64, location: String, labels: String, state: CatalogSongState, attempts: Int, error: String?) {
        self.id = id
        self.location = location
        self.labels = labels
        self.state = state
        self.attempts = attempts
        self.error = error
    }
}

/// Where a song is in the queue (stored as its raw value).
public enum CatalogSongState: Int, Sendable, CaseIterable, CustomStringConvertible {
    case pending = 0, leased = 1, done = 2, failed = 3

    public var description: String { ["pending", "leased", "done", "failed"][rawValue] }
}

/// A song leased to a worker.
public struct ClaimedSong: Sendable, Hashable {
    public var id: Int64
    public var location: String
    /// How many times it has been claimed, this time included.
    public var attempts: Int

    public init(id: Int64, location: String, attempts: Int) {
        self.id = id
        self.location = location
        self.attempts = attempts
    }
}

/// What a worker computed for one song.
public struct SongResult: Sendable, Equatable {
    public var songID: Int64
    /// Song vectors by feature spec key, with the number of windows pooled.
    public var features: [SongFeatures]
    /// Tag scores (mean over windows) by tagging model name.
    public var tags: [String: [String: Float]]
    /// Model predictions: model name → (label, probabilities by label).
    public var predictions: [String: SongPrediction]

    public init(songID: Int64, features: [SongFeatures] = [], tags: [String: [String: Float]] = [:], predictions: [String: SongPrediction] = [:]) {
        self.songID = songID
        self.features = features
        self.tags = tags
        self.predictions = predictions
    }
}

/// One song vector.
public struct SongFeatures: Sendable, Equatable {
    public var spec: String
    public var vector: [Float]
    public var windowCount: Int

    public init(spec: String, vector: [Float], windowCount: Int) {
        self.spec = spec
        self.vector = vector
        self.windowCount = windowCount
    }
}

/// A trained model's song-level prediction.
public struct SongPrediction: Sendable, Equatable, Codable {
    public var label: String
    public var probabilities: [String: Double]

    public init(label: String, probabilities: [String: Double]) {
        self.label = label
        self.probabilities = probabilities
    }
}

/// A song that could not be processed, with its one-line message.
public struct SongFailure: Sendable, Equatable {
    public var songID: Int64
    public var message: String

    public init(songID: Int64, message: String) {
        self.songID = songID
        self.message = message
    }
}

/// Songs per queue state.
public struct CatalogCounts: Sendable, Equatable, Codable {
    public var pending = 0, leased = 0, done = 0, failed = 0
    public var total: Int { pending + leased + done + failed }

    public init(pending: Int = 0, leased: Int = 0, done: Int = 0, failed: Int = 0) {
        self.pending = pending
        self.leased = leased
        self.done = done
        self.failed = failed
    }

    /// Adds `count` songs in the state whose raw value is `state` (a `GROUP BY state` row); unknown states are ignored.
    public mutating func add(state: Int, count: Int) {
        switch CatalogSongState(rawValue: state) {
        case .pending: pending += count
        case .leased: leased += count
        case .done: done += count
        case .failed: failed += count
        case nil: break
        }
    }
}

/// One worker's record: songs done and failed, and when it was first and last seen (seconds since 1970).
public struct CatalogWorkerStats: Sendable, Equatable, Codable {
    public var name: String
    public var done: Int
    public var failed: Int
    public var firstSeen: Double
    public var lastSeen: Double
    /// Seconds spent working on batches.
    public var busySeconds: Double

    public init(name: String, done: Int, failed: Int, firstSeen: Double, lastSeen: Double, busySeconds: Double) {
        self.name = name
        self.done = done
        self.failed = failed
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.busySeconds = busySeconds
    }

    /// Songs (done + failed) per second of wall time between first and last batch (per busy second when the
    /// worker finished only one batch).
    public var songsPerSecond: Double {
        let span = lastSeen - firstSeen
        let seconds = span > 1 ? span : busySeconds
        return seconds > 0 ? Double(done + failed) / seconds : 0
    }
}

/// A failed song.
public struct CatalogFailure: Sendable, Equatable, Codable {
    public var id: Int64
    public var location: String
    public var message: String
    public var attempts: Int

    public init(id: Int64, location: String, message: String, attempts: Int) {
        self.id = id
        self.location = location
        self.message = message
        self.attempts = attempts
    }
}

/// Which songs ``CatalogStore/retry(_:)`` puts back in the queue.
public enum CatalogRetryScope: Sendable {
    /// Failed songs.
    case failed
    /// Failed and done songs (to recompute with another feature spec); results are kept until overwritten.
    case all
}

/// One song with its results, for export.
public struct CatalogExportRow: Sendable, Equatable {
    public var song: CatalogSongRecord
    public var features: [SongFeatures]
    public var tags: [String: [String: Float]]
    public var predictions: [String: SongPrediction]

    public init(song: CatalogSongRecord, features: [SongFeatures], tags: [String: [String: Float]], predictions: [String: SongPrediction]) {
        self.song = song
        self.features = features
        self.tags = tags
        self.predictions = predictions
    }
}

/// Song vectors of one spec: `ids[i]`'s vector is `values[i*dimension ..< (i+1)*dimension]`.
public struct CatalogVectorChunk: Sendable, Equatable {
    public var ids: [Int64]
    public var dimension: Int
    public var values: [Float]

    public init(ids: [Int64], dimension: Int, values: [Float]) {
        self.ids = ids
        self.dimension = dimension
        self.values = values
    }
}
