import Foundation
import GenreKitLearning

/// Fits a multi-label tagger on item features (each item with its tag set): one binary logistic probe per tag
/// (`ClassifierChoice.logreg`, also what `auto` means here) or one perceptron with a sigmoid output per tag
/// trained with binary cross-entropy (`mlp`), behind a shared standardisation (and optional PCA).
///
/// - Model selection (logreg, `folds ≥ 2`): `C ∈ {0.01, 0.1, 1, 10}` by song-grouped k-fold cross-validation
///   stratified on each song's primary tag, scored by song-level mAP (see ``GridSearch/runMultiLabel(_:indicators:groups:groupStrata:progress:)``);
///   equal scores go to the C closest to 1 (`|log₁₀ C|` smallest).
/// - Thresholds: per tag, maximising that tag's F1 on the validation songs' mean window probabilities
///   (``TagThresholds/fit(scores:indicators:)``); ``TagThresholds/fallback`` (0.5) without validation songs.
/// - A sample of training rows (``StoredRows``, `storedRowLimit`) is kept in the model for `genrekit enroll`.
public struct TagTrainer: FeatureTrainer {
    /// Classifier, training level, folds, seed, PCA and per-tag class weighting (`balanced` weighs a rare tag's
    /// positives up); also readable as `trainer.folds`, ...
    public var settings: TrainerSettings
    /// Training rows kept in the model file as enrollment negatives (0: none).
    public var storedRowLimit: Int = StoredRows.defaultLimit

    public init(settings: TrainerSettings = TrainerSettings(choice: .logreg)) { self.settings = settings }

    /// The candidates searched (or the single one fitted) for `choice`.
    public func candidates() throws -> [GridSearch.Candidate] {
        let pca = settings.pcaComponents.map { PCA(componentCount: $0) }
        func wrap(_ name: String, _ params: [String: String], _ base: OneVsRestClassifier.Base) -> GridSearch.Candidate {
            GridSearch.Candidate(name: name, parameters: params, model: .oneVsRest(OneVsRestClassifier(base: base, pca: pca)))
        }
        switch settings.choice {
        case .logreg, .auto:
            return [0.01, 0.1, 1, 10].map { c in wrap("logreg", ["C": "\(c)"], .logistic(c: c, classWeighting: settings.classWeighting)) }
        case .mlp:
            return [wrap("mlp", ["hidden": "256"], .perceptron(MultilayerPerceptronSettings(hiddenUnits: 256, seed: settings.seed)))]
        case .svm, .knn:
            throw TagTrainerError.unsupportedClassifier(settings.choice.rawValue)
        }
    }

    /// Trains on `train`; `featureSpec` is stored in the model file as given (``FeatureSource/key`` text).
    public func train(_ train: [ItemFeatures], validation: [ItemFeatures] = [], labels: [String], featureSpec: String,
                      log: @escaping (String) -> Void = { _ in }) throws -> GenreModel {
        guard !train.isEmpty else { throw LearningError.invalidArgument("no training songs") }
        try (train + validation).requireFiniteFeatures()
        let k = labels.count
        let (x, y, groups) = train.multiLabelDesign(settings.level, labelCount: k)
        log("training rows: \(x.rows) \(settings.level == .segment ? "windows" : "songs") of \(train.count) songs, \(x.cols) features, \(k) tags")
        var songCounts = [Int](repeating: 0, count: k)
        for item in train { for l in item.labelSet { songCounts[l] += 1 } }
        if let t = songCounts.indices.first(where: { songCounts[$0] == 0 }) { throw TagTrainerError.tagWithoutSongs(labels[t]) }
        if let t = songCounts.indices.first(where: { songCounts[$0] == train.count }) { throw TagTrainerError.tagOnEverySong(labels[t]) }
        let all = try candidates()
        var chosen = all.count > 1 ? all[2] : all[0]            // C = 1 without a search
        var selection: GridSearch.Result?
        if settings.folds >= 2 && all.count > 1 {
            let strata = train.map(\.label)
            var perStratum = [Int: Int]()
            for s in strata { perStratum[s, default: 0] += 1 }
            if let (s, n) = perStratum.filter({ $0.value < settings.folds }).min(by: { $0.key < $1.key }) {
                throw TrainerError.classTooSmallForFolds(label: labels[s], songs: n, folds: settings.folds)
            }
            let search = GridSearch(candidates: all, cv: StratifiedKFold(splits: settings.folds, seed: settings.seed), scoring: .meanAveragePrecision)
            let result = try search.runMultiLabel(x, indicators: y, groups: groups, groupStrata: strata) { row in
                log(String(format: "  cv %@ %@: mAP %.4f ± %.4f", row.name, row.parameters.keys.sorted().map { "\($0)=\(row.parameters[$0]!)" }.joined(separator: " "), row.mean, row.std))
            }
            // Ties (mAP saturates at 1 on easy data) go to the C closest to the default 1 on a log scale: the
            // most regularised C ranks as well but squeezes probabilities towards the tag frequencies.
            let best = result.rows[result.bestIndex].mean
            let tied = result.rows.indices.filter { abs(result.rows[$0].mean - best) <= 1e-12 }
            let pick = tied.min { abs(log10(Double(result.rows[$0].parameters["C"] ?? "1") ?? 1)) < abs(log10(Double(result.rows[$1].parameters["C"] ?? "1") ?? 1)) } ?? result.bestIndex
            var ranked = result
            ranked.bestIndex = pick
            selection = ranked
            chosen = all[pick]
        }
        let t0 = DispatchTime.now().uptimeNanoseconds
        guard case .oneVsRest(var tagger) = chosen.model else { fatalError("tag candidates are one-vs-rest") }
        try tagger.fit(x, indicators: y)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let name = chosen.name + (chosen.parameters.isEmpty ? "" : " (" + chosen.parameters.keys.sorted().map { "\($0)=\(chosen.parameters[$0]!)" }.joined(separator: ", ") + ")")
        log(String(format: "fitted %@ on all training rows in %.2f s", name, seconds))
        var thresholds = [Double](repeating: TagThresholds.fallback, count: k)
        if !validation.isEmpty {
            thresholds = TagThresholds.fit(scores: songScores(tagger, validation), indicators: validation.indicators(labelCount: k))
            log("per-tag thresholds fitted on \(validation.count) validation songs")
        }
        let summary = TrainingSummary(songCounts: Dictionary(uniqueKeysWithValues: zip(labels, songCounts)), rows: x.rows,
                                      dimensions: x.cols, modelSelection: selection, chosen: name, fitSeconds: seconds)
        var model = GenreModel(task: .tagging, labels: labels, featureSpec: featureSpec, trainingLevel: settings.level,
                               classifier: .oneVsRest(tagger), defaultAggregation: .mean, thresholds: thresholds, training: summary)
        model.storedRows = StoredRows.sample(train, level: settings.level, limit: storedRowLimit, seed: settings.seed)
        return model
    }

    /// Song scores: the mean of each item's row probabilities, `items × tags`.
    func songScores(_ tagger: OneVsRestClassifier, _ items: [ItemFeatures]) -> Matrix {
        TagScoring(tagger: tagger, level: settings.level).songScores(items)
    }
}

/// Song-level scores of a tagger: the mean over a song's rows (windows, or its one song vector) of the tag
/// probabilities, `p̄_t = (1/W) Σ_w p_{w,t}`.
public struct TagScoring: Sendable {
    public var tagger: OneVsRestClassifier
    public var level: GenreModel.TrainingLevel

    public init(tagger: OneVsRestClassifier, level: GenreModel.TrainingLevel) { self.tagger = tagger; self.level = level }

    /// Row probabilities of one item, `rows × tags`.
    public func rowScores(_ item: ItemFeatures) -> Matrix {
        let r = item.rows(level)
        return tagger.predictProbabilities(Matrix(rows: r.count, cols: item.dimension, floats: r.values))
    }

    /// Mean row probabilities of each item, `items × tags`.
    public func songScores(_ items: [ItemFeatures]) -> Matrix {
        var values: [Double] = []
        for item in items { values += SongAggregation.mean.aggregate(rowScores(item)).probabilities }
        return Matrix(rows: items.count, cols: tagger.tagCount, values: values)
    }
}

/// Tagger training requests that cannot be carried out as asked.
public enum TagTrainerError: Error, Equatable, CustomStringConvertible {
    case unsupportedClassifier(String)
    case tagWithoutSongs(String)
    case tagOnEverySong(String)

    public var description: String {
        switch self {
        case .unsupportedClassifier(let c):
            return "--classifier \(c) is not available for --task tagging; use logreg (one logistic probe per tag) or mlp (one network, sigmoid outputs)"
        case .tagWithoutSongs(let t):
            return "tag '\(t)' has no training song (all its songs are held out); add songs with it or lower --test-fraction"
        case .tagOnEverySong(let t):
            return "tag '\(t)' is on every training song, so there is nothing to tell apart; add songs without it or drop the tag"
        }
    }
}
