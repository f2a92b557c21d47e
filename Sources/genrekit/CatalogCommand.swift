import ArgumentParser
import Foundation
import GenreKit
import GenreKitCatalog

/// `genrekit catalog`: a catalog of songs, its work queue and results, in SQLite or PostgreSQL.
struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Tag and extract features for a whole catalog with workers on many machines (SQLite or PostgreSQL store).",
        subcommands: [Init.self, Add.self, CatalogWorkCommand.self, CatalogStatusCommand.self, CatalogFailuresCommand.self,
                      CatalogRetryCommand.self, CatalogExportCommand.self, CatalogSimilarCommand.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the catalog's tables or migrate them to this version.")
        @OptionGroup var store: StoreOption

        func run() async throws {
            try await catalogReporting {
                let s = try store.open()
                let (from, to) = try await s.migrate()
                print(from == to ? "\(s.location): catalog schema \(to), up to date" : "\(s.location): catalog schema \(from) → \(to)")
                await s.close()
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register songs: a folder's audio files, a manifest (CSV/TSV with labels), or '-' (paths on standard input, PATH<tab>LABELS).",
            discussion: "Idempotent: a known location is left alone unless its size, mtime or labels changed (then it is queued again).")
        @Argument(help: "Folders, manifests, or '-'.") var inputs: [String]
        @OptionGroup var store: StoreOption

        func run() async throws {
            try await catalogReporting {
                let s = try store.open()
                var total = 0, changed = 0
                let start = Date()
                for input in inputs {
                    let songs = input == "-" ? CatalogSongSource.songs(lines: AnyIterator { readLine() }) : try CatalogSongSource.songs(at: input)
                    for batch in stride(from: 0, to: songs.count, by: 10_000) {
                        changed += try await s.add(Array(songs[batch..<min(batch + 10_000, songs.count)]))
                    }
                    total += songs.count
                }
                print("\(s.location): \(total) songs read, \(changed) new or changed, \(total - changed) unchanged "
                      + String(format: "(%.2f s)", Date().timeIntervalSince(start)))
                await s.close()
            }
        }
    }
}

/// `--store`.
struct StoreOption: ParsableArguments {
    @Option(help: "sqlite:PATH or postgres://USER@HOST[:PORT]/DB (default: $GENREKIT_STORE, else sqlite:~/.cache/genrekit/catalog.sqlite).")
    var store: String?

    func open() throws -> any CatalogStore { try CatalogLocation.open(store) }
}

/// Runs `body`, printing errors as one line and exiting non-zero.
func catalogReporting(_ body: () async throws -> Void) async throws {
    do { try await body() } catch let e as ExitCode { throw e } catch let e as CleanExit { throw e } catch {
        printError("error: \(error)"); throw ExitCode(1)
    }
}
