import Foundation
import GenreKitCore
import GenreKitDSP
import GenreKitLearning

/// Ma & Lerch 2024's few-shot auto-tagging experiment with linear probes, on song vectors.
///
/// For every feature specification, setting (N ways, K shots) and episode (``FewShotSampler``):
/// 1. the support songs' vectors are standardised (``StandardScaler`` fitted on the support set only) and the
///    query songs' vectors transformed with the same `μ`, `σ`;
/// 2. one binary L2 logistic regression (``LogisticRegression``, `C` = ``c``, scikit-learn's tolerance 1e-4) per
///    sampled tag is fitted on the support set: positives the support songs with the tag, negatives the rest;
/// 3. each probe scores every query song (its decision value `wᵀx + b`); per tag, ROC-AUC and PR-AUC (average
///    precision) are computed over the query songs, and the episode's **macro** scores are their means over the
///    sampled tags. A tag without query positives has no ROC-AUC and is left out of both means (counted in
///    ``FewShotEpisodeResult/undefinedTags``).
///
/// The table reports, per row, the mean of the episodes' macro scores with a 95 % confidence interval from
/// Student's t distribution with `episodes − 1` degrees of freedom (``MeanConfidenceInterval``).
///
/// Episodes run in parallel (``concurrency`` workers, each with single-threaded BLAS); each writes only its own
/// result slot and draws from its own seeded generator, so results do not depend on the thread count.
public struct FewShotExperiment: Sendable {
    public var settings: [FewShotSetting]
    /// Episodes per setting.
    public var episodes: Int
    public var seed: UInt64
    /// Inverse L2 strength of the probes (scikit-learn `C`).
    public var c: Double = 1
    /// Episodes run at once (1: one after another).
    public var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount

    public init(settings: [FewShotSetting], episodes: Int = 20, seed: UInt64 = 0) {
        self.settings = settings; self.episodes = episodes; self.seed = seed
    }

    /// One feature specification's songs: the support pool and, optionally, a separate query (test) set with the
    /// pool's tag list.
    public struct Input: Sendable {
        public var features: String
        public var pool: TaggedSongs
        public var test: TaggedSongs?
        public init(features: String, pool: TaggedSongs, test: TaggedSongs? = nil) {
            self.features = features; self.pool = pool; self.test = test
        }
    }

    /// Runs every input × setting × episode; rows come back per input, then per setting in ``settings`` order.
    ///
    /// Songs missing from any input are left out of all (pool and test separately), so every specification sees
    /// the same songs and the same episodes. `progress` gets (episodes done, episodes in all) from any thread.
    /// - Throws: ``FewShotError`` for an invalid setting or inputs that disagree.
    public func run(_ inputs: [Input], progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [FewShotRow] {
        guard episodes >= 1 else { throw FewShotError.invalidEpisodes(episodes) }
        guard !inputs.isEmpty, !settings.isEmpty else { return [] }
        let aligned = try Self.align(inputs)
        let pool = aligned[0].pool, test = aligned[0].test
        // Episodes depend on the songs' tags only, which every input shares: draw them once.
        var drawn: [[FewShotEpisode]] = []
        for setting in settings {
            try FewShotSampler.validate(setting, pool: pool, testSet: test)
            let eligible = FewShotSampler.eligibleTags(pool, setting: setting, testSet: test)
            let sampler = FewShotSampler(setting: setting, seed: seed)
            drawn.append((0..<episodes).map { sampler.episode($0, pool: pool, queryFromPool: test == nil, eligible: eligible) })
        }
        let episodeSets = drawn
        let perInput = settings.count * episodes, total = aligned.count * perInput
        let results = Locked((slots: [FewShotEpisodeResult?](repeating: nil, count: total), done: 0))
        let c = self.c
        let job: @Sendable (Int) -> Void = { j in
            let input = aligned[j / perInput], s = (j % perInput) / episodes, e = j % episodes
            let r = Self.runEpisode(episodeSets[s][e], index: e, pool: input.pool, test: input.test, c: c)
            let done = results.withLock { $0.slots[j] = r; $0.done += 1; return $0.done }
            progress?(done, total)
        }
        if concurrency <= 1 || total == 1 {
            for j in 0..<total { job(j) }
        } else {
            BLASThreads.withSingleThread { DispatchQueue.concurrentPerform(iterations: total, execute: job) }
        }
        let all = results.value.slots.map { $0! }
        var rows: [FewShotRow] = []
        for (i, input) in aligned.enumerated() {
            for (s, setting) in settings.enumerated() {
                let base = i * perInput + s * episodes
                rows.append(FewShotRow(features: input.features, dimensions: input.pool.dimension, setting: setting,
                                       episodes: Array(all[base..<base + episodes])))
            }
        }
        return rows
    }

    /// One episode: standardise on the support set, fit a probe per tag, score the queries.
    public static func runEpisode(_ episode: FewShotEpisode, index: Int, pool: TaggedSongs, test: TaggedSongs?, c: Double) -> FewShotEpisodeResult {
        var scaler = StandardScaler()
        let xs = scaler.fitTransform(pool.matrix(episode.support))
        let queries = test ?? pool.subset(episode.query)
        let xq = scaler.transform(queries.matrix(Array(0..<queries.count)))
        var roc: [Double] = [], pr: [Double] = [], prevalence: [Double] = []
        for t in episode.tags {
            let y = episode.support.map { pool.has($0, tag: t) ? 1 : 0 }
            var probe = LogisticRegression(c: c, tolerance: 1e-4, maxIterations: 1000)
            var scores = [Double](repeating: 0, count: queries.count)
            // A tag carried by every support song has no negatives: the probe is constant (scores stay 0).
            if Set(y).count == 2, (try? probe.fit(xs, labels: y, classCount: 2, sampleWeights: nil)) != nil {
                scores = probe.decisionFunction(xq).values
            }
            let positives = (0..<queries.count).map { queries.has($0, tag: t) }
            let auc = Metrics.rocAUC(positives: positives, scores: scores)
            roc.append(auc)
            pr.append(auc.isNaN ? .nan : Metrics.averagePrecision(positives: positives, scores: scores))
            prevalence.append(Double(positives.filter { $0 }.count) / Double(max(1, queries.count)))
        }
        let defined = roc.indices.filter { !roc[$0].isNaN }
        func macro(_ v: [Double]) -> Double { defined.isEmpty ? .nan : defined.reduce(0) { $0 + v[$1] } / Double(defined.count) }
        return FewShotEpisodeResult(episode: index, tags: episode.tags.map { pool.tagNames[$0] }, supportSongs: episode.support.count,
                                    querySongs: queries.count, rocAUC: macro(roc), prAUC: macro(pr), prChance: macro(prevalence),
                                    undefinedTags: episode.tags.count - defined.count, tagROCAUC: roc, tagPRAUC: pr)
    }

    /// Restricts every input to the songs all of them have (pool and test separately) and checks that they agree
    /// on tags.
    static func align(_ inputs: [Input]) throws -> [Input] {
        var poolIds = Set(inputs[0].pool.ids), testIds = Set(inputs[0].test?.ids ?? [])
        for input in inputs.dropFirst() {
            guard input.pool.tagNames == inputs[0].pool.tagNames, (input.test == nil) == (inputs[0].test == nil) else {
                throw FewShotError.inputsDisagree(input.features)
            }
            poolIds.formIntersection(input.pool.ids)
            if let t = input.test { testIds.formIntersection(t.ids) }
        }
        return try inputs.map { input in
            if let t = input.test, t.tagNames != input.pool.tagNames { throw FewShotError.inputsDisagree(input.features) }
            let pool = input.pool.keeping(ids: poolIds)
            guard pool.count > 0 else { throw FewShotError.noSongs("the support pool (no song has features under every --features)") }
            let test = input.test.map { $0.keeping(ids: testIds) }
            if let test, test.count == 0 { throw FewShotError.noSongs("the test set (no song has features under every --features)") }
            return Input(features: input.features, pool: pool, test: test)
        }
    }
}

/// The scores of one episode.
public struct FewShotEpisodeResult: Codable, Sendable, Equatable {
    /// Episode number within its setting (0-based).
    public var episode: Int
    /// The sampled tags, ascending by index.
    public var tags: [String]
    public var supportSongs: Int
    public var querySongs: Int
    /// Macro ROC-AUC over the tags with query positives.
    public var rocAUC: Double
    /// Macro PR-AUC (average precision) over the same tags.
    public var prAUC: Double
    /// The PR-AUC of a random ranking (the query prevalence), macro-averaged the same way.
    public var prChance: Double
    /// Sampled tags with no query positive (left out of the means).
    public var undefinedTags: Int
    /// Per-tag ROC-AUC, in ``tags`` order (NaN when undefined).
    public var tagROCAUC: [Double]
    /// Per-tag PR-AUC, in ``tags`` order (NaN when undefined).
    public var tagPRAUC: [Double]
}

/// One row of the few-shot table: a feature specification in one setting, over its episodes.
public struct FewShotRow: Codable, Sendable {
    public var features: String
    public var dimensions: Int
    public var setting: FewShotSetting
    /// Tags sampled per episode (N, or the number of tags for `all`).
    public var ways: Int
    /// Mean macro ROC-AUC over episodes with its 95 % t interval.
    public var rocAUC: MeanConfidenceInterval
    /// Mean macro PR-AUC over episodes with its 95 % t interval.
    public var prAUC: MeanConfidenceInterval
    /// Mean chance-level PR-AUC (query prevalence) over episodes.
    public var prChance: Double
    public var episodes: [FewShotEpisodeResult]

    public init(features: String, dimensions: Int, setting: FewShotSetting, episodes: [FewShotEpisodeResult]) {
        self.features = features
        self.dimensions = dimensions
        self.setting = setting
        self.ways = episodes.first?.tags.count ?? 0
        self.episodes = episodes
        rocAUC = MeanConfidenceInterval(episodes.map(\.rocAUC))
        prAUC = MeanConfidenceInterval(episodes.map(\.prAUC))
        let chance = episodes.map(\.prChance).filter { !$0.isNaN }
        prChance = chance.isEmpty ? .nan : chance.reduce(0, +) / Double(chance.count)
    }
}

/// Why a few-shot experiment cannot run as asked.
public enum FewShotError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidWays(Int)
    case invalidShots(Int)
    case invalidEpisodes(Int)
    case moreWaysThanTags(ways: Int, tags: Int)
    /// Not enough tags have enough songs for the setting.
    case tagTooSmall(tag: String, poolSongs: Int, testSongs: Int?, setting: FewShotSetting, eligible: Int, needed: Int)
    /// No song to work with.
    case noSongs(String)
    /// The inputs of several feature specifications do not have the same tags (or some lack a test set).
    case inputsDisagree(String)
    /// A --ways value that is neither a number nor `all`.
    case unreadableWays(String)

    public var description: String {
        switch self {
        case .invalidWays(let n): return "--ways \(n): an episode needs at least 2 tags (a probe's negatives are the other tags' support songs)"
        case .invalidShots(let k): return "--shots \(k): give at least 1 positive song per tag"
        case .invalidEpisodes(let e): return "--episodes \(e): run at least 1 episode (2 or more for a confidence interval)"
        case .moreWaysThanTags(let n, let t): return "--ways \(n) asks for more tags than the data has (\(t)); use --ways \(max(2, t)) or all"
        case .tagTooSmall(let tag, let pool, let test, let s, let eligible, let needed):
            let queryNote = test == nil
                ? "\(s.shots) for the support set and at least 1 left as a query"
                : "\(s.shots) for the support set, and at least 1 in the test set (it has \(test!))"
            return "\(s): tag '\(tag)' has \(pool) songs in the support pool but needs \(s.shots + (test == nil ? 1 : 0)) (\(queryNote)); "
                + "only \(eligible) of the \(needed) tags needed qualify. Use fewer --shots (at most \(max(0, pool - (test == nil ? 1 : 0))) for this tag)"
                + (s.ways == .all || eligible < 2 ? "" : ", fewer --ways (at most \(eligible))")
                + (test == nil ? ", or give --test DATA2 as the query set" : "") + "."
        case .noSongs(let what): return "no songs in \(what); check the data and the errors above"
        case .inputsDisagree(let f): return "\(f): its songs have other tags than the first --features' songs (or no test set); featurise the same data for every --features"
        case .unreadableWays(let t): return "--ways '\(t)': give numbers of tags (e.g. 5,10) or all"
        }
    }
}
