import Foundation
import GenreKit

/// What a worker computes for one audio file.
public protocol CatalogSongProcessing: Sendable {
    /// The results of the file at `path` (the song id is filled in by the worker).
    /// - Throws: the file's error, stored as its one-line failure message.
    func process(path: String) throws -> SongResult
}

/// The audio work of `catalog work`: song vectors of each feature spec, mean tag scores of a tagging model, and a
/// trained model's song-level prediction, with GenreKit's extractors (no feature cache: the catalog is the store).
public struct AudioSongProcessor: CatalogSongProcessing {
    /// One extractor per `--features` spec.
    public let extractors: [CombinedFeatureExtractor]
    /// The tagger of `--tags`, with its model's name.
    public let tagger: (name: String, tagger: Tagger)?
    /// The model of `--model`, with its name (file name without extension) and the extractor of its features.
    public let model: (name: String, runner: GenreModelRunner, aggregation: SongAggregation, extractor: CombinedFeatureExtractor)?

    /// Loads the networks the specs, tag model and model file need.
    /// - Throws: ``FeatureSpecError``, model loading errors, ``ModelFileError``.
    public init(specs: [CombinedFeatureSpec], tagModel: String? = nil, modelFile: String? = nil, store: ModelStore = ModelStore()) throws {
        extractors = try specs.map { try CombinedFeatureExtractor(spec: $0, store: store, cache: nil) }
        if let tagModel {
            tagger = (tagModel, try Tagger(model: PretrainedModel.load(tagModel, store: store)))
        } else {
            tagger = nil
        }
        if let path = modelFile {
            let m = try GenreModel.read(from: path)
            guard m.task == .classification else {
                throw CatalogError.unreadableInput(path: path, reason: "a tagging model: give its tags with --tags, or a genre model with --model")
            }
            let runner = GenreModelRunner(model: m)
            let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            model = (name, runner, try runner.aggregation(nil as AggregationChoice?), try m.featureExtractor(store: store, cache: nil))
        } else {
            model = nil
        }
    }

    public func process(path: String) throws -> SongResult {
        var result = SongResult(songID: 0)
        for e in extractors {
            let parts = try e.parts.map { part -> (WindowFeatures, [Float]) in
                let w = try part.windowFeatures(path: path)
                return (w, w.songVector(part.spec.songPooling))
            }
            result.features.append(SongFeatures(spec: e.spec.key, vector: parts.flatMap(\.1), windowCount: parts.first?.0.windowCount ?? 0))
        }
        if let tagger {
            let a = try tagger.tagger.analyze(path: path)
            result.tags[tagger.name] = Dictionary(zip(a.tags, a.meanScores), uniquingKeysWith: { a, _ in a })
        }
        if let model {
            let (name, runner, aggregation, extractor) = model
            let parts = try extractor.parts.map { part -> ExtractedFeatures in
                let w = try part.windowFeatures(path: path)
                return ExtractedFeatures(path: path, contentHash: "", windows: w, song: w.songVector(part.spec.songPooling), fromCache: false)
            }
            let f = try CombinedFeatureExtractor.concatenate(parts)
            let item = ItemFeatures(id: path, label: -1, windows: f.windows.matrix.values, windowCount: f.windows.windowCount,
                                    song: f.song, windowStarts: f.windows.windowStarts)
            let song = runner.predictSong(item, aggregation: aggregation)
            let labels = runner.model.labels
            result.predictions[name] = SongPrediction(label: labels[song.label],
                                                      probabilities: Dictionary(zip(labels, song.probabilities), uniquingKeysWith: { a, _ in a }))
        }
        return result
    }
}

/// Work that does nothing (the queue benchmark's), returning an empty result.
public struct NoWorkProcessor: CatalogSongProcessing {
    public init() {}
    public func process(path: String) throws -> SongResult { SongResult(songID: 0) }
}
