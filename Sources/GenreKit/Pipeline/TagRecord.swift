/// One file's tags as `genrekit tag --format json` writes them; a file that failed has only ``path`` and ``error``.
public struct TagRecord: Codable, Sendable, Equatable {
    /// A tag and its song score.
    public struct ScoredTag: Codable, Sendable, Equatable {
        public var tag: String
        public var score: Double
    }

    public var path: String
    /// Why the file could not be tagged (nil on success).
    public var error: String?
    /// The network or tagger file that tagged it.
    public var model: String?
    public var durationSeconds: Double?
    public var windowSeconds: Double?
    public var windowStartsSeconds: [Double]?
    /// Whether the clip was shorter than one window and tiled to one.
    public var padded: Bool?
    public var topTags: [ScoredTag]?
    /// Every tag, in taggram column order.
    public var tags: [String]?
    /// Windows × tags probabilities.
    public var taggram: [[Double]]?
    /// A trained tagger's per-tag thresholds, and the tags whose song score reaches them.
    public var thresholds: [Double]?
    public var decidedTags: [ScoredTag]?

    enum CodingKeys: String, CodingKey {
        case path, error, model, padded, tags, taggram, thresholds
        case durationSeconds = "duration_s", windowSeconds = "window_s", windowStartsSeconds = "window_starts_s"
        case topTags = "top_tags", decidedTags = "decided_tags"
    }

    /// The record of a file that failed.
    public init(path: String, error: Error) {
        self.path = path
        self.error = "\(error)"
    }

    /// The record of an analysis by `model`, with its `top` best tags.
    public init(_ a: FileAnalysis, model: String, top: Int) {
        let n = a.tags.count
        path = a.path
        self.model = model
        durationSeconds = a.source.duration
        windowSeconds = a.windowSeconds
        windowStartsSeconds = a.windowStarts
        padded = a.padded
        topTags = a.topTags(top).map { ScoredTag(tag: $0.tag, score: Double($0.score)) }
        tags = a.tags
        taggram = (0..<a.taggram.shape[0]).map { i in (0..<n).map { Double(a.taggram.values[i * n + $0]) } }
        if let t = a.thresholds {
            thresholds = t
            decidedTags = a.decidedTags.map { ScoredTag(tag: $0.tag, score: Double($0.score)) }
        }
    }
}
