import Foundation
import GenreKitAudio
import GenreKitLearning
import GenreKitNN

/// Tags audio files with a user-trained tagger (a `.gkmodel` from `genrekit train --task tagging`), giving the same
/// ``FileAnalysis`` as the pre-trained networks: a taggram (each window's tag probabilities) and song scores, the
/// window mean (or, for a tagger trained on song vectors, its probabilities for the song vector), plus the tagger's
/// per-tag thresholds.
public struct TrainedTagger: Sendable {
    public let model: GenreModel
    public let tagger: OneVsRestClassifier
    public let extractor: CombinedFeatureExtractor

    /// - Throws: ``TaggingModelError/notATagger(_:)`` for a classification model; ``FeatureSpecError`` and model-loading
    ///   errors for the feature specification.
    public init(model: GenreModel, cache: FeatureCache?, store: ModelStore = ModelStore()) throws {
        let tagger = try model.requireTagger()
        guard try !model.featureSource.isTable else { throw TaggingModelError.trainedOnFeatureTable }
        self.model = model
        self.tagger = tagger
        self.extractor = try model.featureExtractor(store: store, cache: cache)
    }

    /// Uses an extractor built elsewhere for `model`'s feature specification (a server shares its loaded networks).
    /// - Throws: ``TaggingModelError/notATagger(_:)`` for a classification model.
    public init(model: GenreModel, extractor: CombinedFeatureExtractor) throws {
        self.tagger = try model.requireTagger()
        self.model = model
        self.extractor = extractor
    }

    /// Analyses every file (features from the cache when present), in input order; a failing file does not stop
    /// the others.
    public func analyze(paths: [String], progress: (@Sendable (FeatureExtractor.Progress) -> Void)? = nil) -> [Result<FileAnalysis, Error>] {
        extractor.extract(paths: paths, progress: progress).map { r in r.flatMap { f in Result { try analysis(f) } } }
    }

    /// The analysis of one file's features.
    public func analysis(_ f: ExtractedFeatures) throws -> FileAnalysis {
        let windows = f.windows
        let x = Matrix(rows: windows.windowCount, cols: windows.dimension, floats: windows.matrix.values)
        let p = tagger.predictProbabilities(x)
        var song: [Float]? = nil
        if model.trainingLevel == .song {
            song = tagger.predictProbabilities(Matrix(rows: 1, cols: f.song.count, floats: f.song)).values.map(Float.init)
        }
        let source = try AudioDecoder.info(path: f.path)
        return FileAnalysis(path: f.path, source: source, tags: model.labels, windowStarts: windows.windowStarts,
                            windowSeconds: windows.windowSeconds, taggram: Tensor(shape: [p.rows, p.cols], values: p.values.map(Float.init)),
                            features: [:], padded: source.duration < windows.windowSeconds && windows.windowCount > 0,
                            songScores: song, thresholds: model.thresholds)
    }
}

extension GenreModel {
    /// The one-vs-rest tagger of a tagging model.
    /// - Throws: ``TaggingModelError/notATagger(_:)`` when this is a genre classifier.
    public func requireTagger() throws -> OneVsRestClassifier {
        guard task == .tagging, let t = classifier.oneVsRestTagger else { throw TaggingModelError.notATagger(labels.count) }
        return t
    }

    /// Per-tag thresholds of a tagger (``TagThresholds/fallback`` for any tag without one).
    public var tagThresholds: [Double] {
        (0..<labels.count).map { t in thresholds.flatMap { t < $0.count ? $0[t] : nil } ?? TagThresholds.fallback }
    }
}

/// Why a model cannot be used as a tagger.
public enum TaggingModelError: Error, Equatable, CustomStringConvertible {
    case notATagger(Int)
    case trainedOnFeatureTable

    public var description: String {
        switch self {
        case .notATagger(let n):
            return "this is a genre classifier (\(n) classes), not a tagger; use genrekit predict with it, or train a tagger with genrekit train --task tagging"
        case .trainedOnFeatureTable:
            return "this tagger was trained on a feature table, so it cannot compute features from audio; retrain it on audio"
        }
    }
}
