import Foundation
import GenreKit

/// A song's feature vectors as `POST /v1/embed` returns them: the song vector and one vector per window.
public struct EmbedRecord: Codable, Sendable, Equatable {
    public var path: String
    /// The feature specification's key (every option spelt out).
    public var features: String
    public var dimension: Int
    public var windowSeconds: Double
    public var windowStartsSeconds: [Double]
    public var song: [Float]
    public var windows: [[Float]]

    enum CodingKeys: String, CodingKey {
        case path, features, dimension, song, windows
        case windowSeconds = "window_s", windowStartsSeconds = "window_starts_s"
    }

    public init(path: String, spec: CombinedFeatureSpec, features f: ExtractedFeatures) {
        self.path = path
        features = spec.key
        dimension = f.windows.dimension
        windowSeconds = f.windows.windowSeconds
        windowStartsSeconds = f.windows.windowStarts
        song = f.song
        let d = f.windows.dimension
        windows = (0..<f.windows.windowCount).map { Array(f.windows.matrix.values[$0 * d..<($0 + 1) * d]) }
    }
}

/// The blocking work of each endpoint, on an uploaded file: runs on a ``JobQueue`` worker. Each request is checked
/// and turned into one of these before its body is read, so a bad parameter is refused without reading the upload.
enum AnalysisJob: Sendable {
    case tag(Tagger, model: String, top: Int)
    case tagTrained(TrainedTagger, model: String, top: Int)
    case predict(GenreModel, CombinedFeatureExtractor, SongAggregation)
    case embed(CombinedFeatureExtractor)

    /// Runs on the file at `path`; `filename` is what the client called it (the records' `path`).
    func run(path: String, filename: String) throws -> AnalysisOutput {
        switch self {
        case .tag(let tagger, let model, let top):
            var a = try tagger.analyze(path: path)
            a.path = filename
            return .tags(TagRecord(a, model: model, top: top), a)
        case .tagTrained(let tagger, let model, let top):
            var a = try tagger.analyze(paths: [path])[0].get()
            a.path = filename
            return .tags(TagRecord(a, model: model, top: top), a)
        case .predict(let model, let extractor, let aggregation):
            let f = try extractor.extract(paths: [path], progress: nil)[0].get()
            let item = ItemFeatures(id: filename, label: -1, windows: f.windows.matrix.values, windowCount: f.windows.windowCount,
                                    song: f.song, windowStarts: f.windows.windowStarts)
            let song = GenreModelRunner(model: model).predictSong(item, aggregation: aggregation)
            return .prediction(PredictionRecord(path: filename, labels: model.labels, probabilities: song.probabilities, label: song.label,
                                                aggregation: aggregation, windows: (song.windows, item.windowStarts)))
        case .embed(let extractor):
            let f = try extractor.extract(paths: [path], progress: nil)[0].get()
            return .embedding(EmbedRecord(path: filename, spec: extractor.spec, features: f))
        }
    }

    /// The model name the records carry (the HTML page's title).
    var modelName: String {
        switch self {
        case .tag(_, let model, _), .tagTrained(_, let model, _): return model
        case .predict: return "genre"
        case .embed(let extractor): return extractor.spec.key
        }
    }

    var top: Int {
        switch self {
        case .tag(_, _, let top), .tagTrained(_, _, let top): return top
        default: return 5
        }
    }
}

/// One analysed file: the record an endpoint answers (its JSON), and for tags the analysis the HTML page draws.
enum AnalysisOutput: Sendable, Encodable {
    case tags(TagRecord, FileAnalysis)
    case prediction(PredictionRecord)
    case embedding(EmbedRecord)

    func encode(to encoder: Encoder) throws {
        switch self {
        case .tags(let r, _): try r.encode(to: encoder)
        case .prediction(let r): try r.encode(to: encoder)
        case .embedding(let r): try r.encode(to: encoder)
        }
    }

    var analysis: FileAnalysis? {
        if case .tags(_, let a) = self { return a }
        return nil
    }
}
