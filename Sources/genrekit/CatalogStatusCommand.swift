import ArgumentParser
import Foundation
import GenreKit
import GenreKitCatalog

/// `genrekit catalog status`.
struct CatalogStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Songs done, pending, leased and failed; per-worker throughput; ETA.")
    @OptionGroup var store: StoreOption
    @Option(help: "table or json.") var format: BatchFormat = .table

    func run() async throws {
        try await catalogReporting {
            let s = try store.open()
            let status = try await CatalogStatus.read(s)
            await s.close()
            if format == .json {
                print(String(decoding: try jsonEncoder().encode(status), as: UTF8.self))
                return
            }
            let c = status.counts
            let percent = c.total > 0 ? 100 * Double(c.done) / Double(c.total) : 0
            print("\(status.store): \(c.total) songs: \(c.done) done (\(String(format: "%.1f", percent)) %), \(c.pending) pending, "
                  + "\(c.leased) leased, \(c.failed) failed")
            let now = Date().timeIntervalSince1970
            for w in status.workers {
                print("  \(w.name): \(w.done) done, \(w.failed) failed, " + String(format: "%.2f songs/s, last batch %.0f s ago", w.songsPerSecond, now - w.lastSeen))
            }
            if let eta = status.etaSeconds {
                print(String(format: "active workers: %.2f songs/s together; ETA %.0f s (%.1f h)", status.songsPerSecond, eta, eta / 3600))
            } else if c.pending + c.leased > 0 {
                print("no worker active in the last \(Int(CatalogStatus.activeWindow)) s: start one with genrekit catalog work")
            }
        }
    }
}

/// `genrekit catalog failures`.
struct CatalogFailuresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "failures", abstract: "Failed songs with their messages.")
    @OptionGroup var store: StoreOption
    @Option(help: "At most this many.") var limit = 1000
    @Option(help: "table or json.") var format: BatchFormat = .table

    func run() async throws {
        try await catalogReporting {
            let s = try store.open()
            let list = try await s.failures(limit: limit)
            await s.close()
            if format == .json {
                print(String(decoding: try jsonEncoder().encode(list), as: UTF8.self))
            } else {
                for f in list { print("\(f.id)\t\(f.location)\t\(f.message)") }
            }
        }
    }
}

/// `genrekit catalog retry`.
struct CatalogRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retry", abstract: "Queue failed songs again (--all: done ones too, e.g. for a new feature spec).")
    @OptionGroup var store: StoreOption
    @Flag(help: "Failed songs (the default).") var failed = false
    @Flag(help: "Failed and done songs.") var all = false

    func run() async throws {
        try await catalogReporting {
            let s = try store.open()
            let n = try await s.retry(all ? .all : .failed)
            await s.close()
            print("\(n) songs queued again")
        }
    }
}
