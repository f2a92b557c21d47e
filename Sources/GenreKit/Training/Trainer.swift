import Foundation
import GenreKitLearning

/// Fits a genre classifier on item features: model selection by song-grouped, stratified cross-validation on the
/// training songs, then a fit of the best candidate on all of them, and optional per-class thresholds on
/// validation songs.
public struct Trainer: FeatureTrainer {
    /// Classifier, training level, folds, seed, PCA and class weighting (also readable as `trainer.folds`, ...).
    public var settings: TrainerSettings
    public var scoring: Scoring = .accuracy
    public var defaultAggregation: SongAggregation = .vote

    public init(settings: TrainerSettings = TrainerSettings()) { self.settings = settings }

    /// Trains on `train`; `featureSpec` is stored in the model file as given (``FeatureSource/key`` text).
    public func train(_ train: [ItemFeatures], validation: [ItemFeatures] = [], labels: [String], featureSpec: String,
                      log: @escaping (String) -> Void = { _ in }) throws -> GenreModel {
        guard !train.isEmpty else { throw LearningError.invalidArgument("no training songs") }
        try (train + validation).requireFiniteFeatures()
        let (x, y, groups) = train.design(settings.level)
        log("training rows: \(x.rows) \(settings.level == .segment ? "windows" : "songs") of \(train.count) songs, \(x.cols) features")
        var songCounts = [Int](repeating: 0, count: labels.count)
        for item in train { songCounts[item.label] += 1 }
        let smallest = songCounts.filter { $0 > 0 }.min() ?? 0
        let candidates = settings.choice.candidates(pca: settings.pcaComponents, classWeighting: settings.classWeighting, seed: settings.seed)
        var selection: GridSearch.Result?
        var chosen = settings.choice.defaultCandidate(pca: settings.pcaComponents, classWeighting: settings.classWeighting, seed: settings.seed)
        if settings.folds >= 2 && smallest < settings.folds, let c = songCounts.indices.first(where: { songCounts[$0] > 0 && songCounts[$0] < settings.folds }) {
            throw TrainerError.classTooSmallForFolds(label: labels[c], songs: songCounts[c], folds: settings.folds)
        }
        if settings.folds >= 2 && candidates.count > 1 {
            let search = GridSearch(candidates: candidates, cv: StratifiedKFold(splits: settings.folds, seed: settings.seed), scoring: scoring)
            let result = try search.run(x, labels: y, groups: groups, classCount: labels.count) { row in
                log(String(format: "  cv %@ %@: %.4f ± %.4f", row.name, row.parameters.keys.sorted().map { "\($0)=\(row.parameters[$0]!)" }.joined(separator: " "), row.mean, row.std))
            }
            selection = result
            chosen = candidates[result.bestIndex]
        } else if candidates.count > 1 {
            log("model selection skipped (--folds \(settings.folds)); using \(describe(chosen))")
        }
        let t0 = DispatchTime.now().uptimeNanoseconds
        var model = chosen.model
        try model.fit(x, labels: y, classCount: labels.count, sampleWeights: nil)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        log(String(format: "fitted %@ on all training rows in %.2f s", describe(chosen), seconds))
        var thresholds: [Double]?
        if !validation.isEmpty {
            let probs = songProbabilities(model, validation, aggregation: .mean)
            thresholds = SongAggregation.fitThresholds(probabilities: probs, labels: validation.map(\.label), classCount: labels.count)
            log("per-class thresholds fitted on \(validation.count) validation songs")
        }
        var attention: AttentionPooling?
        if defaultAggregation == .attention {
            var head = AttentionPooling(seed: settings.seed, l2Candidates: AttentionPooling.defaultL2Candidates)
            try head.fit(songs: train.map(\.windowMatrix), labels: train.map(\.label), classCount: labels.count)
            let cv = head.validationCurves.isEmpty ? "no cross-validation (too few songs)"
                : String(format: "chosen by %d-fold song cross-validation, held-out loss %.4f", head.validationFolds,
                         head.validationCurves.map { $0[head.epochs] }.min() ?? Double.nan)
            log(String(format: "attention pooling head fitted on %d songs: λ %g, %d epochs (%@; final loss %.4f)", train.count,
                       head.l2, head.epochs, cv, head.lossCurve.last ?? Double.nan))
            attention = head
        }
        let summary = TrainingSummary(
            songCounts: Dictionary(uniqueKeysWithValues: zip(labels, songCounts)), rows: x.rows, dimensions: x.cols,
            modelSelection: selection, chosen: describe(chosen), fitSeconds: seconds)
        var trained = GenreModel(task: .classification, labels: labels, featureSpec: featureSpec, trainingLevel: settings.level,
                                 classifier: model, defaultAggregation: defaultAggregation, thresholds: thresholds, training: summary)
        trained.attention = attention
        return trained
    }

    private func describe(_ c: GridSearch.Candidate) -> String {
        c.name + (c.parameters.isEmpty ? "" : " (" + c.parameters.keys.sorted().map { "\($0)=\(c.parameters[$0]!)" }.joined(separator: ", ") + ")")
    }

    /// Song-settings.level probabilities of `items` (one row per item) under `aggregation`.
    func songProbabilities(_ model: AnyClassifier, _ items: [ItemFeatures], aggregation: SongAggregation) -> Matrix {
        var values: [Double] = []
        for item in items {
            let r = item.rows(settings.level)
            let x = Matrix(rows: r.count, cols: item.dimension, floats: r.values)
            values += aggregation.aggregate(model.predictProbabilities(x), windowLabels: model.predict(x)).probabilities
        }
        return Matrix(rows: items.count, cols: model.classCount, values: values)
    }
}

/// Training requests that cannot be carried out as asked.
public enum TrainerError: Error, Equatable, CustomStringConvertible {
    case classTooSmallForFolds(label: String, songs: Int, folds: Int)
    /// A song's features hold NaN or an infinity (they would spoil the whole model).
    case nonFiniteFeatures(song: String)
    public var description: String {
        switch self {
        case .nonFiniteFeatures(let song):
            return "\(song): its features contain NaN or infinite values; leave the file out of the training data (or re-encode it) and train again"
        case .classTooSmallForFolds(let l, let n, let k):
            return "class '\(l)' has \(n) training songs, fewer than the \(k) cross-validation folds; add songs, use --folds \(max(2, n)) or --folds 1 (no model selection)"
        }
    }
}

extension Array where Element == ItemFeatures {
    /// Throws ``TrainerError/nonFiniteFeatures(song:)`` for the first item whose window or song features are not
    /// all finite: the second guard after the decoder's, so nothing non-finite reaches a model.
    func requireFiniteFeatures() throws {
        if let bad = first(where: { !$0.windows.allSatisfy(\.isFinite) || !$0.song.allSatisfy(\.isFinite) }) {
            throw TrainerError.nonFiniteFeatures(song: bad.id)
        }
    }
}
