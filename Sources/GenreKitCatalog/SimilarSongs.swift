import CBLAS
import Foundation
import GenreKit

/// "Songs like this one": exact nearest neighbours by cosine similarity over every stored song vector of a spec.
///
/// similarity(q, v) = (q · v) / (‖q‖ ‖v‖) (0 when either vector is zero). The store is read in chunks of
/// ``chunkSize`` vectors (the next chunk is fetched while this one is scored); each chunk is one BLAS `sgemv`
/// (rows · q) plus one `sdot` per row for ‖v‖, and a running top-k keeps the best. Ties go to the lower song id.
public struct SimilarSongs: Sendable {
    /// One neighbour.
    public struct Match: Sendable, Equatable, Codable {
        public var id: Int64
        public var similarity: Float
        public init(id: Int64, similarity: Float) {
            self.id = id
            self.similarity = similarity
        }
    }

    public var chunkSize = 16384
    public init() {}

    /// The `k` songs most similar to `query` among the vectors of `spec`, best first, leaving out `excluding`.
    /// - Throws: ``CatalogError/noVectors(spec:)`` when none are stored; store errors.
    public func search(store: any CatalogStore, spec: String, query: [Float], k: Int, excluding: Int64? = nil) async throws -> [Match] {
        var top = TopK(k: k)
        let size = chunkSize
        var next = Task { try await store.vectorChunk(spec: spec, after: 0, limit: size) }
        var seen = 0
        while true {
            let chunk = try await next.value
            if chunk.ids.isEmpty { break }
            if chunk.ids.count == size { next = Task { [after = chunk.ids.last!] in try await store.vectorChunk(spec: spec, after: after, limit: size) } }
            else { next = Task { CatalogVectorChunk(ids: [], dimension: 0, values: []) } }
            guard chunk.dimension == query.count else {
                throw CatalogError.corrupt(store: store.location, reason: "\(spec) vectors have \(chunk.dimension) values, the query \(query.count)")
            }
            Self.score(chunk, query: query, excluding: excluding, into: &top)
            seen += chunk.ids.count
        }
        if seen == 0 { throw CatalogError.noVectors(spec: spec) }
        return top.sorted
    }

    /// Scores one chunk into `top`.
    static func score(_ chunk: CatalogVectorChunk, query: [Float], excluding: Int64?, into top: inout TopK) {
        let n = chunk.ids.count, d = chunk.dimension
        guard n > 0, d > 0 else { return }
        var dots = [Float](repeating: 0, count: n)
        var norms = [Float](repeating: 0, count: n)
        let qNorm = query.withUnsafeBufferPointer { q in cblas_snrm2(Int32(d), q.baseAddress, 1) }
        chunk.values.withUnsafeBufferPointer { v in
            query.withUnsafeBufferPointer { q in
                dots.withUnsafeMutableBufferPointer { out in
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(d), 1, v.baseAddress, Int32(d), q.baseAddress, 1, 0, out.baseAddress, 1)
                }
            }
            norms.withUnsafeMutableBufferPointer { out in
                for i in 0..<n { out[i] = cblas_snrm2(Int32(d), v.baseAddress! + i * d, 1) }
            }
        }
        for i in 0..<n where chunk.ids[i] != excluding {
            let denominator = norms[i] * qNorm
            top.insert(Match(id: chunk.ids[i], similarity: denominator > 0 ? dots[i] / denominator : 0))
        }
    }

    /// The best `k` matches seen (similarity descending, then id ascending).
    struct TopK {
        let k: Int
        private(set) var items: [Match] = []
        init(k: Int) { self.k = max(k, 0) }

        static func better(_ a: Match, _ b: Match) -> Bool {
            a.similarity != b.similarity ? a.similarity > b.similarity : a.id < b.id
        }

        mutating func insert(_ m: Match) {
            guard k > 0 else { return }
            if items.count == k, let worst = items.last, !Self.better(m, worst) { return }
            let at = items.firstIndex { Self.better(m, $0) } ?? items.count
            items.insert(m, at: at)
            if items.count > k { items.removeLast() }
        }

        var sorted: [Match] { items }
    }
}
