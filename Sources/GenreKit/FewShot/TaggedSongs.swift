import Foundation
import GenreKitLearning

/// Songs with their tags and one feature vector each: what the few-shot experiment samples episodes from.
/// A song's labels are its tags (a genre folder gives each song one tag; a manifest's `a;b` labels, or a feature
/// table's, give several).
public struct TaggedSongs: Sendable {
    /// Song ids (file paths, or feature-table ids), unique.
    public var ids: [String]
    /// Tag names; ``tags`` index into this list.
    public var tagNames: [String]
    /// Each song's tags: ascending, distinct indices into ``tagNames`` (possibly empty: a song of none).
    public var tags: [[Int]]
    /// Song vectors, `count × dimension`, row-major.
    public var vectors: [Float]
    /// Length of a song vector.
    public var dimension: Int

    /// - Precondition: one tag list and one vector per id; tag indices in range.
    public init(ids: [String], tagNames: [String], tags: [[Int]], vectors: [Float], dimension: Int) {
        precondition(tags.count == ids.count && vectors.count == ids.count * dimension,
                     "TaggedSongs: \(ids.count) ids, \(tags.count) tag lists, \(vectors.count) values for dimension \(dimension)")
        precondition(tags.allSatisfy { $0.allSatisfy { (0..<tagNames.count).contains($0) } }, "TaggedSongs: tag index out of range")
        self.ids = ids
        self.tagNames = tagNames
        self.tags = tags.map { Array(Set($0)).sorted() }
        self.vectors = vectors
        self.dimension = dimension
    }

    /// Number of songs.
    public var count: Int { ids.count }

    /// Song `i`'s vector.
    public func vector(_ i: Int) -> ArraySlice<Float> { vectors[i * dimension..<(i + 1) * dimension] }

    /// True when song `i` carries tag `t`.
    public func has(_ i: Int, tag t: Int) -> Bool { tags[i].contains(t) }

    /// Songs carrying each tag (ascending song indices), one list per tag.
    public func songsByTag() -> [[Int]] {
        var out = [[Int]](repeating: [], count: tagNames.count)
        for (i, ts) in tags.enumerated() { for t in ts { out[t].append(i) } }
        return out
    }

    /// The songs at `indices`, in that order.
    public func subset(_ indices: [Int]) -> TaggedSongs {
        var v: [Float] = []
        v.reserveCapacity(indices.count * dimension)
        for i in indices { v += vector(i) }
        return TaggedSongs(ids: indices.map { ids[$0] }, tagNames: tagNames, tags: indices.map { tags[$0] }, vectors: v, dimension: dimension)
    }

    /// The rows at `indices` as a float64 matrix for the learners.
    public func matrix(_ indices: [Int]) -> Matrix {
        var m = Matrix(rows: indices.count, cols: dimension)
        vectors.withUnsafeBufferPointer { src in
            m.values.withUnsafeMutableBufferPointer { dst in
                for (r, i) in indices.enumerated() {
                    for c in 0..<dimension { dst[r * dimension + c] = Double(src[i * dimension + c]) }
                }
            }
        }
        return m
    }

    /// Songs whose id is in `keep`, in this order.
    public func keeping(ids keep: Set<String>) -> TaggedSongs {
        subset(ids.indices.filter { keep.contains(ids[$0]) })
    }

    /// Loads songs and their song vectors from `source`: audio (folder or manifest, featurised by `extractor`,
    /// cached as usual) or a feature table. With `tagNames`, tags are indexed in that list and a song's tags
    /// outside it are dropped (the song stays, tagged with the rest); otherwise the list is every tag used, sorted.
    /// - Returns: the songs, and the files that could not be featurised (they are left out) with the reason.
    /// - Throws: ``DatasetError`` / ``FeatureTableError`` for unreadable data; ``FewShotError/noSongs(_:)``
    ///   when no song is left.
    public static func load(_ source: FeatureSet.Source, extractor: (any FeatureExtracting)?, tagNames: [String]? = nil,
                            progress: (@Sendable (FeatureExtractor.Progress) -> Void)? = nil)
        throws -> (songs: TaggedSongs, failures: [(path: String, reason: String)]) {
        var ids: [String] = [], labels: [[String]] = [], vectors: [Float] = []
        var dimension = 0
        var failures: [(path: String, reason: String)] = []
        if source.featureTable {
            let table = try FeatureTable.read(csv: source.data, idColumn: source.idColumn, labelColumn: source.labelColumn)
            ids = table.ids; labels = table.labels; vectors = table.values; dimension = table.columnCount
        } else {
            guard let extractor else { throw LearningError.invalidArgument("audio data needs a feature specification") }
            let dataset = try Dataset.load(source.data)
            for (item, result) in zip(dataset.items, extractor.extract(dataset.items, progress: progress)) {
                switch result {
                case .failure(let e): failures.append((item.path, "\(e)"))
                case .success(let f):
                    dimension = f.song.count
                    ids.append(item.path); labels.append(item.labels); vectors += f.song
                }
            }
        }
        guard !ids.isEmpty else { throw FewShotError.noSongs(source.data) }
        let names = tagNames ?? Set(labels.joined()).sorted()
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let tags = labels.map { $0.compactMap { index[$0] } }
        return (TaggedSongs(ids: ids, tagNames: names, tags: tags, vectors: vectors, dimension: dimension), failures)
    }
}
