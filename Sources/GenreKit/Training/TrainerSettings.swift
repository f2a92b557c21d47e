import GenreKitLearning

/// The settings ``Trainer`` and ``TagTrainer`` share: the classifier, what a training row is, model selection,
/// dimensionality reduction and class weighting. A command builds one value from its options and hands it to
/// either trainer.
public struct TrainerSettings: Sendable, Equatable {
    /// The classifier family (``TagTrainer`` treats `auto` as `logreg`).
    public var choice: ClassifierChoice
    /// Train on windows (`segment`) or on song vectors (`song`).
    public var level: GenreModel.TrainingLevel
    /// Cross-validation folds for model selection (below 2: no search, the default candidate).
    public var folds: Int
    /// Seed of the folds, splits and seeded classifiers.
    public var seed: UInt64
    /// Reduce features to this many dimensions with PCA after standardisation.
    public var pcaComponents: Int?
    /// Class (or per-tag) weighting of the classifier's loss.
    public var classWeighting: ClassWeighting

    public init(choice: ClassifierChoice = .auto, level: GenreModel.TrainingLevel = .segment, folds: Int = 5, seed: UInt64 = 0,
                pcaComponents: Int? = nil, classWeighting: ClassWeighting = .none) {
        self.choice = choice; self.level = level; self.folds = folds; self.seed = seed
        self.pcaComponents = pcaComponents; self.classWeighting = classWeighting
    }
}
