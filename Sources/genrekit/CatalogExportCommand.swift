import ArgumentParser
import Foundation
import GenreKit
import GenreKitCatalog

extension CatalogExport.Format: ExpressibleByArgument {}

/// `genrekit catalog export`.
struct CatalogExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Stream songs with their features, tags and predictions as CSV or JSON lines.")
    @OptionGroup var store: StoreOption
    @Option(help: "csv (one spec's vectors as columns f0…) or jsonl (everything).") var format: CatalogExport.Format = .jsonl
    @Option(help: "The feature spec of the CSV columns (default: the only one stored).") var features: String?

    func run() async throws {
        try await catalogReporting {
            let s = try store.open()
            let out = FileHandle.standardOutput
            var buffer = Data()
            buffer.reserveCapacity(1 << 20)
            let n = try await CatalogExport(format: format, spec: try features.map { try CombinedFeatureSpec(parsing: $0).key })
                .write(from: s) { line in
                    buffer.append(contentsOf: line.utf8)
                    buffer.append(10)
                    if buffer.count > 1 << 20 { out.write(buffer); buffer.removeAll(keepingCapacity: true) }
                }
            out.write(buffer)
            await s.close()
            printError("\(n) songs exported")
        }
    }
}

/// `genrekit catalog similar`.
struct CatalogSimilarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similar", abstract: "The songs most like a song: exact cosine similarity of stored song vectors.")
    @Argument(help: "A song id, or an audio file (its stored vector when it is in the catalog, else computed now).") var song: String
    @OptionGroup var store: StoreOption
    @Option(help: "The feature spec whose song vectors are compared (as given to catalog work --features).") var features: String
    @Option(help: "How many songs.") var k = 10
    @Option(help: "table or json.") var format: BatchFormat = .table

    func run() async throws {
        try await catalogReporting {
            let s = try store.open()
            let spec = try CombinedFeatureSpec(parsing: features)
            let query: [Float]
            var selfID: Int64?
            if let id = Int64(song) {
                guard try await s.song(id: id) != nil else { throw CatalogError.unknownSong(song) }
                guard let v = try await s.vector(songID: id, spec: spec.key) else { throw CatalogError.noVectors(spec: spec.key) }
                query = v
                selfID = id
            } else {
                let path = URL(fileURLWithPath: (song as NSString).expandingTildeInPath).standardizedFileURL.path
                if let known = try await s.song(location: path), let v = try await s.vector(songID: known.id, spec: spec.key) {
                    query = v
                    selfID = known.id
                } else {
                    guard FileManager.default.fileExists(atPath: path) else { throw CatalogError.unknownSong(song) }
                    query = try AudioSongProcessor(specs: [spec]).process(path: path).features[0].vector
                }
            }
            let start = Date()
            let matches = try await SimilarSongs().search(store: s, spec: spec.key, query: query, k: k, excluding: selfID)
            let seconds = Date().timeIntervalSince(start)
            var rows: [(rank: Int, id: Int64, similarity: Float, location: String)] = []
            for (i, m) in matches.enumerated() {
                rows.append((i + 1, m.id, m.similarity, try await s.song(id: m.id)?.location ?? "?"))
            }
            await s.close()
            if format == .json {
                struct Row: Encodable { var rank: Int; var id: Int64; var similarity: Float; var location: String }
                print(String(decoding: try jsonEncoder().encode(rows.map { Row(rank: $0.rank, id: $0.id, similarity: $0.similarity, location: $0.location) }),
                             as: UTF8.self))
            } else {
                for r in rows { print(String(format: "%3d  %.4f  %8lld  ", r.rank, r.similarity, r.id) + r.location) }
                printError(String(format: "searched in %.3f s", seconds))
            }
        }
    }
}
