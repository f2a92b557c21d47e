import GenreKitCore
import GenreKitLearning

/// How many tags an episode samples: a number `N`, or every tag. Encoded as its text (`"5"`, `"all"`).
public enum FewShotWays: Hashable, Sendable, Codable, CustomStringConvertible {
    case count(Int)
    case all

    /// Reads `5` or `all`; nil for anything else.
    public init?(text: String) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "all" { self = .all } else if let n = Int(t) { self = .count(n) } else { return nil }
    }

    public var description: String {
        switch self {
        case .count(let n): return "\(n)"
        case .all: return "all"
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let ways = FewShotWays(text: text) else { throw FewShotError.unreadableWays(text) }
        self = ways
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// One N-way K-shot setting of the few-shot experiment.
public struct FewShotSetting: Hashable, Sendable, Codable, CustomStringConvertible {
    public var ways: FewShotWays
    /// Positive support songs per tag (`K`).
    public var shots: Int

    public init(ways: FewShotWays, shots: Int) { self.ways = ways; self.shots = shots }

    public var description: String { "\(ways)-way \(shots)-shot" }
}

/// One episode: the sampled tags, the support songs the probes train on, and (when the queries come from the same
/// pool) the query songs they are scored on.
public struct FewShotEpisode: Hashable, Sendable, Codable {
    /// Sampled tag indices, ascending.
    public var tags: [Int]
    /// Support song indices into the pool, ascending.
    public var support: [Int]
    /// Query song indices into the pool (every pool song not in ``support``), ascending; empty when the queries
    /// are a separate test set.
    public var query: [Int]
}

/// Draws the episodes of the few-shot experiment (Ma & Lerch 2024's N-way K-shot design, with a song's labels as
/// its tags), reproducibly from a seed.
///
/// Episode `e` of setting (N, K) uses its own generator, `SeededGenerator(seed: episodeSeed(seed, N, K, e))`, so an
/// episode does not depend on which other settings or episodes run, on the feature specification (every spec sees
/// the same episodes: a paired comparison) or on the thread that runs it. With that generator:
/// 1. **Tags.** `all`: every eligible tag. `N`: the eligible tags (see ``eligibleTags(_:setting:testSet:)``) are
///    shuffled (Fisher–Yates) and the first `N` kept.
/// 2. **Support.** For each sampled tag `t` in ascending order, `K − (support songs already carrying t)` songs are
///    drawn (shuffle, take the first) from the pool songs carrying `t` that are not yet in the support set. Every
///    sampled tag thus has at least `K` positive support songs — exactly `K` when songs carry one tag each, more
///    when a song drawn for another tag carries `t` too.
/// 3. **Negatives.** The probe of tag `t` takes as negatives the other songs of the episode's support set (those
///    without `t`): `K·(N−1)` songs for single-tag data. No song outside the support set is seen in training.
/// 4. **Query.** Every pool song not in the support set (or, with a separate test set, every test song), scored for
///    each sampled tag; a query song with none of the sampled tags is a negative for all of them.
public struct FewShotSampler: Sendable {
    public var setting: FewShotSetting
    public var seed: UInt64

    public init(setting: FewShotSetting, seed: UInt64) { self.setting = setting; self.seed = seed }

    /// The seed of one episode: SplitMix64 finalisation of the run seed mixed with `N` (0 for `all`), `K` and `e`.
    public static func episodeSeed(_ seed: UInt64, setting: FewShotSetting, episode: Int) -> UInt64 {
        var g = SeededGenerator(seed: seed)
        var h = g.next()
        for v in [UInt64(bitPattern: Int64(setting.ways.countValue)), UInt64(setting.shots), UInt64(episode)] {
            g = SeededGenerator(seed: h ^ (v &* 0x9E37_79B9_7F4A_7C15))
            h = g.next()
        }
        return h
    }

    /// Tags a setting may sample: tags with at least `K` pool songs, plus one more left for the query when the
    /// queries come from the pool (`testSet` nil), and at least one test song otherwise. Ascending.
    public static func eligibleTags(_ pool: TaggedSongs, setting: FewShotSetting, testSet: TaggedSongs?) -> [Int] {
        let inPool = pool.songsByTag().map(\.count)
        let inTest = testSet?.songsByTag().map(\.count)
        let needed = setting.shots + (testSet == nil ? 1 : 0)
        return pool.tagNames.indices.filter { inPool[$0] >= needed && (inTest?[$0] ?? 1) >= 1 }
    }

    /// Checks that the setting can run on these songs.
    /// - Throws: ``FewShotError``: fewer than 2 ways, no shots, more ways than tags, a tag too small for `K`
    ///   shots (with `all`), or too few eligible tags (with `N`).
    public static func validate(_ setting: FewShotSetting, pool: TaggedSongs, testSet: TaggedSongs?) throws {
        guard setting.shots >= 1 else { throw FewShotError.invalidShots(setting.shots) }
        let tagCount = pool.tagNames.count
        if case .count(let n) = setting.ways {
            guard n >= 2 else { throw FewShotError.invalidWays(n) }
            guard n <= tagCount else { throw FewShotError.moreWaysThanTags(ways: n, tags: tagCount) }
        } else {
            guard tagCount >= 2 else { throw FewShotError.moreWaysThanTags(ways: 2, tags: tagCount) }
        }
        let eligible = Set(eligibleTags(pool, setting: setting, testSet: testSet))
        let needed = setting.ways.countValue == 0 ? tagCount : setting.ways.countValue
        guard eligible.count < needed else { return }
        let inPool = pool.songsByTag().map(\.count), inTest = testSet?.songsByTag().map(\.count)
        // The smallest ineligible tag explains the problem best.
        let blocking = pool.tagNames.indices.filter { !eligible.contains($0) }.min { inPool[$0] < inPool[$1] }!
        throw FewShotError.tagTooSmall(tag: pool.tagNames[blocking], poolSongs: inPool[blocking], testSongs: inTest?[blocking],
                                       setting: setting, eligible: eligible.count, needed: needed)
    }

    /// Episode `e` on `pool` (see the type's documentation). `queryFromPool` false leaves ``FewShotEpisode/query``
    /// empty (the caller scores a separate test set). Call ``validate(_:pool:testSet:)`` first.
    public func episode(_ e: Int, pool: TaggedSongs, queryFromPool: Bool, eligible: [Int]) -> FewShotEpisode {
        var rng = SeededGenerator(seed: Self.episodeSeed(seed, setting: setting, episode: e))
        var tags = eligible
        if case .count(let n) = setting.ways {
            rng.shuffle(&tags)
            tags = Array(tags.prefix(n)).sorted()
        }
        let byTag = pool.songsByTag()
        var inSupport = [Bool](repeating: false, count: pool.count)
        var support: [Int] = []
        for t in tags {
            let have = support.reduce(0) { $0 + (pool.has($1, tag: t) ? 1 : 0) }
            var candidates = byTag[t].filter { !inSupport[$0] }
            rng.shuffle(&candidates)
            for s in candidates.prefix(max(0, setting.shots - have)) { inSupport[s] = true; support.append(s) }
        }
        let query = queryFromPool ? pool.ids.indices.filter { !inSupport[$0] } : []
        return FewShotEpisode(tags: tags, support: support.sorted(), query: query)
    }
}

extension FewShotWays {
    /// `N`, or 0 for `all`.
    var countValue: Int {
        switch self {
        case .count(let n): return n
        case .all: return 0
        }
    }
}
