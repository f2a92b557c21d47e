import Foundation
import GenreKit

/// Streams the catalog out, one chunk of songs at a time (keyset pages by song id), so a million rows never sit
/// in memory.
///
/// - `jsonl`: one object per song: `id`, `location`, `labels` (array), `state`, `error`, `attempts`,
///   `features` (spec → `{"windows": n, "vector": [...]}`), `tags` (model → tag → score), `predictions`
///   (model → `{"label", "probabilities"}`).
/// - `csv`: one row per song that has a vector of `spec`: `id,label,f0,…,f(d−1)` with the song's location as `id`
///   and its `;`-separated labels as `label`: the feature-table layout `genrekit train DATA.csv --feature-table` reads.
public struct CatalogExport: Sendable {
    public enum Format: String, Sendable, CaseIterable { case csv, jsonl }

    public var format: Format
    /// The spec of the CSV's feature columns (nil: the only spec stored).
    public var spec: String?
    /// Songs per page.
    public var chunkSize = 1000

    public init(format: Format, spec: String? = nil) {
        self.format = format
        self.spec = spec
    }

    /// Writes the export through `emit`, one line (without newline) at a time; returns the number of songs written.
    @discardableResult
    public func write(from store: any CatalogStore, emit: (String) throws -> Void) async throws -> Int {
        var csvSpec: String?
        if format == .csv {
            if let spec { csvSpec = spec } else {
                let specs = try await store.featureSpecs()
                guard specs.count == 1 else {
                    throw CatalogError.unreadableInput(path: store.location, reason: specs.isEmpty
                        ? "no song vectors stored yet; run genrekit catalog work --features SPEC first"
                        : "several feature specs stored (\(specs.joined(separator: ", "))): choose one with --features")
                }
                csvSpec = specs[0]
            }
            let first = try await store.vectorChunk(spec: csvSpec!, after: 0, limit: 1)
            guard first.dimension > 0 else { throw CatalogError.noVectors(spec: csvSpec!) }
            try emit((["id", "label"] + (0..<first.dimension).map { "f\($0)" }).joined(separator: ","))
        }
        var after: Int64 = 0, count = 0
        while true {
            let rows = try await store.exportChunk(after: after, limit: chunkSize)
            guard let last = rows.last else { break }
            after = last.song.id
            for row in rows {
                if let csvSpec {
                    guard let f = row.features.first(where: { $0.spec == csvSpec }) else { continue }
                    let head = [Self.csvField(row.song.location), Self.csvField(row.song.labels)]
                    try emit((head + f.vector.map { "\($0)" }).joined(separator: ","))
                } else {
                    try emit(Self.jsonLine(row))
                }
                count += 1
            }
        }
        return count
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func json(_ s: String) -> String { CatalogJSON.encode([s]).dropFirst().dropLast().description }

    static func number(_ x: Float) -> String { x.isFinite ? "\(x)" : "null" }

    static func jsonLine(_ row: CatalogExportRow) -> String {
        let s = row.song
        var out = "{\"id\":\(s.id),\"location\":\(json(s.location)),\"labels\":["
        out += s.labels.split(separator: ";").map { json(String($0)) }.joined(separator: ",")
        out += "],\"state\":\"\(s.state)\",\"error\":\(s.error.map(json) ?? "null"),\"attempts\":\(s.attempts),\"features\":{"
        out += row.features.map { "\(json($0.spec)):{\"windows\":\($0.windowCount),\"vector\":[" + $0.vector.map(number).joined(separator: ",") + "]}" }
            .joined(separator: ",")
        out += "},\"tags\":{"
        out += row.tags.sorted { $0.key < $1.key }.map { model, scores in
            json(model) + ":{" + scores.sorted { $0.key < $1.key }.map { json($0.key) + ":" + number($0.value) }.joined(separator: ",") + "}"
        }.joined(separator: ",")
        out += "},\"predictions\":{"
        out += row.predictions.sorted { $0.key < $1.key }.map { model, p in
            json(model) + ":{\"label\":\(json(p.label)),\"probabilities\":{"
                + p.probabilities.sorted { $0.key < $1.key }.map { json($0.key) + ":" + "\($0.value)" }.joined(separator: ",") + "}}"
        }.joined(separator: ",")
        return out + "}}"
    }
}
