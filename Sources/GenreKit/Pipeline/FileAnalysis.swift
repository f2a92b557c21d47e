import GenreKitAudio
import GenreKitNN

/// What the tagging pipeline produced for one audio file.
public struct FileAnalysis: Sendable {
    /// The file's path as given.
    public var path: String
    /// Facts of the decoded file.
    public var source: AudioFileInfo
    /// Tag names, in taggram column order.
    public var tags: [String]
    /// Start of each window in seconds.
    public var windowStarts: [Double]
    /// Window length in seconds.
    public var windowSeconds: Double
    /// Tag probabilities, `[windows, tags]` (musicnn's taggram).
    public var taggram: Tensor
    /// Requested features, one row per window (time-pooled when a pooling was requested).
    public var features: [String: Tensor]
    /// True when the clip was shorter than one window and was padded (see ``Patches/ShortClipPolicy``).
    public var padded: Bool
    /// Song-level tag scores when they are not simply the window mean (a user tagger trained on song vectors);
    /// nil: ``meanScores``.
    public var songScores: [Float]? = nil
    /// Per-tag decision thresholds of a user-trained tagger (nil for the pre-trained networks).
    public var thresholds: [Double]? = nil

    /// The tags whose song score reaches their threshold, best first (empty without thresholds).
    public var decidedTags: [(tag: String, score: Float)] {
        guard let thresholds else { return [] }
        return topTags(tags.count).filter { t in Double(t.score) >= thresholds[tags.firstIndex(of: t.tag)!] }
    }

    /// Mean probability of each tag over the windows (musicnn's `top_tags` ranking).
    public var meanScores: [Float] {
        let w = taggram.shape[0], n = tags.count
        guard w > 0 else { return [Float](repeating: 0, count: n) }
        var m = [Float](repeating: 0, count: n)
        for i in 0..<w { for j in 0..<n { m[j] += taggram.values[i * n + j] } }
        return m.map { $0 / Float(w) }
    }

    /// The `k` tags with the highest song score (mean probability), best first.
    public func topTags(_ k: Int) -> [(tag: String, score: Float)] {
        let s = songScores ?? meanScores
        return s.indices.sorted { s[$0] > s[$1] || (s[$0] == s[$1] && $0 < $1) }.prefix(k).map { (tags[$0], s[$0]) }
    }
}
