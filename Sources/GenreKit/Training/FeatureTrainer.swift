/// What ``Trainer`` and ``TagTrainer`` have in common: one ``TrainerSettings`` value (its fields also read and
/// written as the trainer's own, `trainer.folds = 3`) and training from item features into a ``GenreModel``.
@dynamicMemberLookup
public protocol FeatureTrainer: Sendable {
    /// Classifier, training level, folds, seed, PCA and class weighting.
    var settings: TrainerSettings { get set }

    /// Trains on `train` (fitting thresholds on `validation` when it is not empty); `featureSpec` is stored in the
    /// model file as given (``FeatureSource/key`` text).
    func train(_ train: [ItemFeatures], validation: [ItemFeatures], labels: [String], featureSpec: String,
               log: @escaping (String) -> Void) throws -> GenreModel
}

extension FeatureTrainer {
    /// The shared settings as the trainer's own properties: `trainer.choice = .svm`.
    public subscript<T>(dynamicMember path: WritableKeyPath<TrainerSettings, T>) -> T {
        get { settings[keyPath: path] }
        set { settings[keyPath: path] = newValue }
    }

    /// Trains on `train` with rows from `source` (and fits thresholds on `validation` when it is not empty).
    public func train(_ train: [ItemFeatures], validation: [ItemFeatures] = [], labels: [String], source: FeatureSource,
                      log: @escaping (String) -> Void = { _ in }) throws -> GenreModel {
        try self.train(train, validation: validation, labels: labels, featureSpec: source.key, log: log)
    }
}
