import Foundation
import GenreKitLearning
import GenreKitModels

/// A trained genre classifier or tagger: everything needed to apply it to new audio, in one self-describing file
/// (`.gkmodel`).
///
/// File layout: one header line `GENREKIT-MODEL <formatVersion> crc32c=<8 hex digits>` followed by the JSON body;
/// the CRC32C covers the body, so a truncated or edited file is refused with a clear error.
public struct GenreModel: Codable, Sendable {
    /// Version of the file layout this build writes and reads.
    public static let currentFormatVersion = 1

    /// Single-label genre classifier or multi-label tagger.
    public enum Task: String, Codable, Sendable { case classification, tagging }
    /// What one training row was.
    public enum TrainingLevel: String, Codable, Sendable {
        /// One row per window ("segment"), each labelled with its song's label (seed paper 003).
        case segment
        /// One row per song (window features pooled over the song).
        case song
    }

    public var formatVersion: Int = GenreModel.currentFormatVersion
    public var task: Task
    /// Class (or tag) names in classifier output order.
    public var labels: [String]
    /// The feature source's canonical text as stored in the file (``FeatureSource/key``), e.g. `MSD_musicnn:max_pool`
    /// or `table:label`; read it typed as ``featureSource``.
    public var featureSpec: String
    public var trainingLevel: TrainingLevel
    /// Standardisation, optional PCA and the classifier, fitted together.
    public var classifier: AnyClassifier
    /// Song-level aggregation used by default when predicting.
    public var defaultAggregation: SongAggregation
    /// Per-class thresholds fitted on validation songs, for `--aggregate threshold` (nil when not fitted).
    public var thresholds: [Double]?
    /// Training facts: counts, cross-validation table, metrics on the training or validation data.
    public var training: TrainingSummary
    /// When the model was written (UTC).
    public var createdAt: Date
    /// The GenreKit version that wrote the file.
    public var genreKitVersion: String
    /// For a fine-tuned model (`genrekit finetune`): its network, whose softmax output is the feature and
    /// ``classifier`` a ``ProbabilityPassthrough``. Nil for models trained on pre-trained features.
    public var network: FineTunedNetwork?
    /// The attention-pooling head over window features (`train --aggregate attention`; nil otherwise).
    public var attention: AttentionPooling?
    /// Taggers: a sample of training rows, the default negatives of `genrekit enroll` (nil when not kept).
    public var storedRows: StoredRows?

    public init(task: Task, labels: [String], featureSpec: String, trainingLevel: TrainingLevel, classifier: AnyClassifier,
                defaultAggregation: SongAggregation, thresholds: [Double]?, training: TrainingSummary) {
        self.task = task; self.labels = labels; self.featureSpec = featureSpec; self.trainingLevel = trainingLevel
        self.classifier = classifier; self.defaultAggregation = defaultAggregation; self.thresholds = thresholds
        self.training = training; createdAt = Date(); genreKitVersion = GenreKitVersion.current
    }

    /// A model whose rows came from `source`.
    public init(task: Task, labels: [String], source: FeatureSource, trainingLevel: TrainingLevel, classifier: AnyClassifier,
                defaultAggregation: SongAggregation, thresholds: [Double]?, training: TrainingSummary) {
        self.init(task: task, labels: labels, featureSpec: source.key, trainingLevel: trainingLevel, classifier: classifier,
                  defaultAggregation: defaultAggregation, thresholds: thresholds, training: training)
    }

    /// Where the model's rows come from: a feature specification or a feature table.
    /// - Throws: ``FeatureSpecError`` when the stored text is neither (a file edited by hand).
    public var featureSource: FeatureSource {
        get throws { try FeatureSource(parsing: featureSpec) }
    }

    /// Writes the model file (atomically).
    public func write(to path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        enc.dateEncodingStrategy = .iso8601
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let body = try enc.encode(self)
        var data = Data(String(format: "GENREKIT-MODEL %d crc32c=%08x\n", formatVersion, CRC32C.checksum(body)).utf8)
        data.append(body)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads a model file, checking its format version and checksum.
    public static func read(from path: String) throws(ModelFileError) -> GenreModel {
        guard let data = FileManager.default.contents(atPath: path) else { throw .notFound(path) }
        guard let nl = data.firstIndex(of: 0x0A) else { throw .notAModel(path) }
        let header = String(decoding: data[data.startIndex..<nl], as: UTF8.self).split(separator: " ")
        guard header.count == 3, header[0] == "GENREKIT-MODEL", let version = Int(header[1]),
              header[2].hasPrefix("crc32c="), let crc = UInt32(header[2].dropFirst(7), radix: 16) else { throw .notAModel(path) }
        guard version == currentFormatVersion else { throw .unsupportedVersion(path, version, currentFormatVersion) }
        let body = data[(nl + 1)...]
        guard CRC32C.checksum(body) == crc else { throw .corrupted(path, "checksum mismatch") }
        let dec = JSONDecoder()
        dec.dateDecodingStrategy = .iso8601
        dec.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try dec.decode(GenreModel.self, from: Data(body)) }
        catch { throw .corrupted(path, "\(error)") }
    }
}

/// What training produced besides the classifier.
public struct TrainingSummary: Codable, Sendable {
    /// Songs per label in the training data.
    public var songCounts: [String: Int]
    /// Training rows (windows or songs).
    public var rows: Int
    /// Feature dimension.
    public var dimensions: Int
    /// Model-selection table (cross-validation on the training split), if a search was run.
    public var modelSelection: GridSearch.Result?
    /// Parameters chosen, as text.
    public var chosen: String
    /// Seconds spent fitting.
    public var fitSeconds: Double
    /// How the training songs were chosen when the data had no split of its own: the seeded stratified
    /// hold-out (`genrekit evaluate` reproduces it to find the test songs).
    public var splitSeed: UInt64?
    public var testFraction: Double?
    public var validFraction: Double?

    public init(songCounts: [String: Int], rows: Int, dimensions: Int, modelSelection: GridSearch.Result?, chosen: String, fitSeconds: Double) {
        self.songCounts = songCounts; self.rows = rows; self.dimensions = dimensions
        self.modelSelection = modelSelection; self.chosen = chosen; self.fitSeconds = fitSeconds
    }
}

/// Why a model file could not be used.
public enum ModelFileError: Error, CustomStringConvertible, Equatable {
    case notFound(String)
    case notAModel(String)
    case unsupportedVersion(String, Int, Int)
    case corrupted(String, String)

    public var description: String {
        switch self {
        case .notFound(let p): return "\(p): no such model file"
        case .notAModel(let p): return "\(p): not a GenreKit model file (expected a file written by `genrekit train`)"
        case .unsupportedVersion(let p, let v, let cur): return "\(p): model file format \(v), this GenreKit reads format \(cur); retrain it with this version (`genrekit train`)"
        case .corrupted(let p, let why): return "\(p): the model file is damaged (\(why)); retrain it or restore a copy"
        }
    }
}

/// The version of this GenreKit build.
public enum GenreKitVersion {
    public static let current = "0.1.0"
}
