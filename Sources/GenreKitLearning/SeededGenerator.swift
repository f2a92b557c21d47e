import GenreKitNN

/// The seeded SplitMix64 generator of the tensor layer, used by the learners (folds, splits, MLP).
public typealias SeededGenerator = GenreKitNN.SeededGenerator
