import GenreKitCore
/// Stratified k-fold splits with scikit-learn's `StratifiedKFold` allocation.
///
/// Classes are ordered by first appearance in `labels`; the sorted encoded labels are dealt
/// round-robin to the folds (`allocation[f][c] = #{ i ≡ f mod k : sorted[i] = c }`), and within
/// each class the samples, in their original order, fill fold 0 first, then fold 1, …
/// Without a seed the folds equal `StratifiedKFold(n_splits, shuffle=False)` exactly. With a
/// seed the per-class fold assignment is shuffled (as `shuffle=True` does) by
/// `SeededGenerator` — deterministic, but not numpy's stream.
public struct StratifiedKFold: Codable, Equatable, Sendable {
    public var splits: Int
    public var seed: UInt64?

    public init(splits: Int = 5, seed: UInt64? = nil) {
        self.splits = splits
        self.seed = seed
    }

    /// Test fold (0..<splits) of every sample.
    public func foldAssignments(_ labels: [Int]) throws -> [Int] {
        guard splits >= 2 else { throw LearningError.invalidArgument("splits must be ≥ 2") }
        guard labels.count >= splits else {
            throw LearningError.invalidArgument("\(labels.count) samples cannot form \(splits) folds")
        }
        var encoding: [Int: Int] = [:]
        var encoded: [Int] = []
        for y in labels {
            if encoding[y] == nil { encoding[y] = encoding.count }
            encoded.append(encoding[y]!)
        }
        let classCount = encoding.count
        let sorted = encoded.sorted()
        var allocation = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: splits)
        for (i, c) in sorted.enumerated() { allocation[i % splits][c] += 1 }
        var rng = seed.map { SeededGenerator(seed: $0) }
        var folds = [Int](repeating: 0, count: labels.count)
        for c in 0..<classCount {
            var foldsForClass: [Int] = []
            for f in 0..<splits { foldsForClass += [Int](repeating: f, count: allocation[f][c]) }
            if rng != nil { rng!.shuffle(&foldsForClass) }
            var t = 0
            for i in labels.indices where encoded[i] == c {
                folds[i] = foldsForClass[t]
                t += 1
            }
        }
        return folds
    }

    /// `(train, test)` index lists for each fold, indices ascending.
    public func split(_ labels: [Int]) throws -> [(train: [Int], test: [Int])] {
        let folds = try foldAssignments(labels)
        return (0..<splits).map { f in
            (labels.indices.filter { folds[$0] != f }, labels.indices.filter { folds[$0] == f })
        }
    }
}
