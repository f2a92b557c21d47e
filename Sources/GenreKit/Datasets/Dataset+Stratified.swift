import GenreKitCore
import GenreKitLearning

/// One cross-validation fold: item indices (ascending) to train on and to test on.
public struct DatasetFold: Sendable, Hashable, Codable {
    /// 0-based fold number.
    public var index: Int
    public var train: [Int]
    public var test: [Int]
}

extension Dataset {
    /// Seeded stratified hold-out split (default 75 % train / 25 % test per class, as in the musicnn
    /// transfer-learning experiments). Every item gets `.train` or `holdOut`, replacing any split it had.
    ///
    /// Algorithm (stable across platforms and releases for a given seed):
    /// 1. Items are grouped by ``LabeledItem/primaryLabel``; groups are visited in ``labels`` order, each group's
    ///    indices in dataset order.
    /// 2. One `SeededGenerator(seed:)` (SplitMix64) shuffles each group in turn with its Fisher–Yates
    ///    `shuffle` (so a group's shuffle depends on the seed and on the groups before it).
    /// 3. Of a group of `n`, the first `t = round(n · testFraction)` (halves away from zero) shuffled items go to
    ///    `holdOut`, clamped to `1…n−1` when `n ≥ 2` so both sides get one; a group of one goes to `.train`.
    ///
    /// - Throws: ``DatasetError/invalidFraction(_:)`` unless `0 < testFraction < 1`.
    public func stratifiedSplit(testFraction: Double = 0.25, seed: UInt64 = 0, holdOut: DatasetSplit = .test) throws -> Dataset {
        guard testFraction > 0 && testFraction < 1 else { throw DatasetError.invalidFraction(testFraction) }
        var rng = SeededGenerator(seed: seed)
        var out = items
        for group in strata() {
            var idx = group
            rng.shuffle(&idx)
            let n = idx.count
            var t = Int((Double(n) * testFraction).rounded(.toNearestOrAwayFromZero))
            t = n >= 2 ? min(max(t, 1), n - 1) : 0
            for (rank, i) in idx.enumerated() { out[i].split = rank < t ? holdOut : .train }
        }
        return Dataset(items: out, root: root, multiLabel: isMultiLabel)
    }

    /// Seeded stratified k-fold: the test fold (0..<k) of every item.
    ///
    /// Algorithm: items are grouped by ``LabeledItem/primaryLabel`` and groups visited in ``labels`` order; one
    /// `SeededGenerator(seed:)` shuffles each group in turn (Fisher–Yates); the shuffled items are dealt
    /// round-robin to the folds, each group continuing where the previous one stopped
    /// (`fold = (offset + rank) mod k`, `offset += n`). Every fold thus holds `⌊n/k⌋` or `⌈n/k⌉` items of each
    /// class, and fold sizes differ by at most one.
    ///
    /// - Throws: ``DatasetError/invalidFoldCount(_:)`` when `k < 2`; ``DatasetError/classTooSmall(label:count:folds:)``
    ///   when a class has fewer than `k` items.
    public func foldAssignments(_ k: Int, seed: UInt64 = 0) throws -> [Int] {
        guard k >= 2 else { throw DatasetError.invalidFoldCount(k) }
        let groups = strata()
        if let small = groups.first(where: { $0.count < k }) {
            throw DatasetError.classTooSmall(label: items[small[0]].primaryLabel, count: small.count, folds: k)
        }
        var rng = SeededGenerator(seed: seed)
        var folds = [Int](repeating: 0, count: items.count)
        var offset = 0
        for group in groups {
            var idx = group
            rng.shuffle(&idx)
            for (rank, i) in idx.enumerated() { folds[i] = (offset + rank) % k }
            offset = (offset + idx.count) % k
        }
        return folds
    }

    /// The `k` folds of ``foldAssignments(_:seed:)`` as train/test index lists: every item is in exactly one
    /// test fold.
    public func stratifiedFolds(_ k: Int, seed: UInt64 = 0) throws -> [DatasetFold] {
        let folds = try foldAssignments(k, seed: seed)
        return (0..<k).map { f in
            DatasetFold(index: f, train: items.indices.filter { folds[$0] != f }, test: items.indices.filter { folds[$0] == f })
        }
    }

    /// Item indices grouped by primary label, groups in label order, indices ascending.
    func strata() -> [[Int]] {
        var byLabel: [String: [Int]] = [:]
        for (i, item) in items.enumerated() { byLabel[item.primaryLabel, default: []].append(i) }
        return byLabel.keys.sorted().map { byLabel[$0]! }
    }

    /// The hold-out `genrekit train`, `finetune` and `evaluate` agree on for data without splits: every item is
    /// `train`, then a seeded stratified `testFraction` becomes `test` (0: none), then `validFraction` of the rest
    /// `valid` (seed + 1). Data with any split keeps its splits.
    public func assigningHoldOut(testFraction: Double, validFraction: Double, seed: UInt64) throws -> Dataset {
        guard items.allSatisfy({ $0.split == nil }) else { return self }
        var ds = Dataset(items: items.map { LabeledItem(path: $0.path, labels: $0.labels, split: .train) }, root: root)
        if testFraction > 0 { ds = try ds.stratifiedSplit(testFraction: testFraction, seed: seed, holdOut: .test) }
        if validFraction > 0 {
            let trainIdx = ds.items.indices.filter { ds.items[$0].split == .train }
            let sub = try Dataset(items: trainIdx.map { ds.items[$0] }).stratifiedSplit(testFraction: validFraction, seed: seed &+ 1, holdOut: .valid)
            var items = ds.items
            for (k, i) in trainIdx.enumerated() { items[i].split = sub.items[k].split }
            ds = Dataset(items: items, root: root)
        }
        return ds
    }
}
