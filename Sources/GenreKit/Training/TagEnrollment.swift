import Foundation
import GenreKitLearning

/// Adds a tag to a trained tagger from a handful of example songs, without refitting the other tags: the examples'
/// rows (windows or song vectors, as the tagger was trained) are the positives, and the negatives are either songs
/// the user gives or the sample of training rows kept in the model (``GenreModel/storedRows``). A binary logistic
/// probe with its own standardisation (fitted on these rows: examples from outside the training data would otherwise
/// meet features that were constant in training) is fitted with the tagger's `C` and balanced class weights
/// (`w_c = n / (2 n_c)`, so a few examples are not swamped by the negatives), and appended (or put in place of the
/// tag it replaces); see ``OneVsRestClassifier/fitEnrolledProbe(_:positives:c:classWeighting:)``. The new tag's
/// threshold is ``TagThresholds/fallback`` (no validation data).
public struct TagEnrollment: Sendable {
    /// Fewest example songs accepted.
    public static let minimumExamples = 2

    /// What the enrollment did, for the user.
    public struct Summary: Sendable {
        public var tag: String
        public var replaced: Bool
        public var positiveRows: Int
        public var negativeRows: Int
        /// Where the negatives came from: "stored training rows" or "given songs".
        public var negativeSource: String
        /// Mean new-tag probability of the examples' rows and of the negatives' rows (training fit).
        public var meanPositiveScore: Double
        public var meanNegativeScore: Double
    }

    public var tag: String
    public var replace: Bool = false

    public init(tag: String, replace: Bool = false) { self.tag = tag; self.replace = replace }

    /// The tagger `model` with the tag enrolled from `examples`, against `negatives` (nil: the stored training rows).
    /// - Throws: ``TagEnrollmentError`` (not a tagger, bad tag name, tag exists without `replace` or is missing with it,
    ///   too few examples, no negatives, feature size mismatch); learning errors from the fit.
    public func enroll(_ model: GenreModel, examples: [ItemFeatures], negatives: [ItemFeatures]?) throws -> (model: GenreModel, summary: Summary) {
        let tagger = try model.requireTagger()
        let name = tag.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !name.contains(";") else { throw TagEnrollmentError.badTagName(tag) }
        let existing = model.labels.firstIndex(of: name)
        if existing != nil && !replace { throw TagEnrollmentError.tagExists(name) }
        if existing == nil && replace { throw TagEnrollmentError.noSuchTag(name, model.labels) }
        guard examples.count >= Self.minimumExamples else { throw TagEnrollmentError.tooFewExamples(examples.count, Self.minimumExamples) }

        var values: [Float] = [], positives: [Bool] = []
        func add(_ items: [ItemFeatures], positive: Bool) throws {
            for item in items {
                guard item.dimension == tagger.featureCount else {
                    throw TagEnrollmentError.dimensionMismatch(item.id, item.dimension, tagger.featureCount)
                }
                let r = item.rows(model.trainingLevel)
                values += r.values
                positives += [Bool](repeating: positive, count: r.count)
            }
        }
        try add(examples, positive: true)
        let positiveRows = positives.count
        let source: String
        if let negatives {
            guard !negatives.isEmpty else { throw TagEnrollmentError.noNegatives }
            try add(negatives, positive: false)
            source = "given songs"
        } else {
            guard let stored = model.storedRows, stored.count > 0 else { throw TagEnrollmentError.noNegatives }
            guard stored.dimension == tagger.featureCount else {
                throw TagEnrollmentError.dimensionMismatch("the model's stored rows", stored.dimension, tagger.featureCount)
            }
            let m = stored.matrix
            for r in 0..<stored.count where existing.map({ !stored.tags[r].contains($0) }) ?? true {
                values += m.row(r).map(Float.init)
                positives.append(false)
            }
            guard positives.count > positiveRows else { throw TagEnrollmentError.noNegatives }
            source = "stored training rows"
        }
        let x = Matrix(rows: positives.count, cols: tagger.featureCount, floats: values)
        let probe = try OneVsRestClassifier.fitEnrolledProbe(x, positives: positives, c: tagger.probeC, classWeighting: .balanced)
        let p = probe.predictProbabilities(OneVsRestClassifier.roundedToHalf(x)).column(1)
        func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }

        var out = model
        var thresholds = model.tagThresholds
        if let t = existing {
            out.classifier = .oneVsRest(tagger.replacing(at: t, with: .enrolledProbe(probe)))
            thresholds[t] = TagThresholds.fallback
            // Stored rows of songs that had the replaced tag keep it: the examples now define it.
        } else {
            out.classifier = .oneVsRest(tagger.appending(.enrolledProbe(probe)))
            out.labels.append(name)
            thresholds.append(TagThresholds.fallback)
        }
        out.thresholds = thresholds
        out.training.songCounts[name] = examples.count
        let summary = Summary(tag: name, replaced: existing != nil, positiveRows: positiveRows, negativeRows: positives.count - positiveRows,
                              negativeSource: source,
                              meanPositiveScore: mean(zip(p, positives).filter { $0.1 }.map(\.0)),
                              meanNegativeScore: mean(zip(p, positives).filter { !$0.1 }.map(\.0)))
        return (out, summary)
    }
}

/// Enrollment requests that cannot be carried out as asked.
public enum TagEnrollmentError: Error, Equatable, CustomStringConvertible {
    case badTagName(String)
    case tagExists(String)
    case noSuchTag(String, [String])
    case tooFewExamples(Int, Int)
    case noNegatives
    case dimensionMismatch(String, Int, Int)

    public var description: String {
        switch self {
        case .badTagName(let t): return "'\(t)' is not a usable tag name (it must be non-empty and contain no ';')"
        case .tagExists(let t): return "the tagger already has a tag '\(t)'; add --replace to refit it from these examples, or choose another name"
        case .noSuchTag(let t, let known): return "the tagger has no tag '\(t)' to replace (it has \(known.joined(separator: ", "))); drop --replace to add it"
        case .tooFewExamples(let n, let min): return "\(n) usable example song\(n == 1 ? "" : "s"); give at least \(min) with --examples"
        case .noNegatives: return "no negative examples: this model keeps no training rows; give songs without the tag with --negatives"
        case .dimensionMismatch(let what, let d, let expected): return "\(what): \(d) features where the tagger takes \(expected); use songs featurised with the tagger's own feature specification"
        }
    }
}
