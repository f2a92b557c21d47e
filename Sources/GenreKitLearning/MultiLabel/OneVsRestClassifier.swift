import GenreKitCore

/// A multi-label tagger: optional standardisation and PCA shared by every tag, then one head per tag giving
/// an independent probability `p_t(x) ∈ [0, 1]` (rows of ``predictProbabilities(_:)`` do not sum to 1).
///
/// Two kinds of head:
/// - a binary logistic-regression probe per tag (scikit-learn's
///   `OneVsRestClassifier(LogisticRegression(C))` on the standardised features), `p_t = σ(w_tᵀz + b_t)`;
///   a tag whose training rows are all positive (all negative) gets the constant 1 (0), as scikit-learn's
///   `_ConstantPredictor`;
/// - output unit `k` of a shared ``MultiLabelPerceptron`` trained with binary cross-entropy on all tags.
///
/// Heads are independent, so a tag can be added (``appending(_:)``) or refitted (``replacing(at:with:)``)
/// without touching the others: see ``fitEnrolledProbe(_:positives:c:classWeighting:)``.
public struct OneVsRestClassifier: Codable, Sendable {
    /// How a tag's probability is computed.
    public enum Head: Codable, Sendable {
        /// A binary logistic regression on the transformed features (column 1 = the tag's probability).
        case probe(LogisticRegression)
        /// Output unit `k` of ``OneVsRestClassifier/perceptron``.
        case perceptronOutput(Int)
        /// A binary logistic regression with its own standardisation, on the raw features rounded to float16: a tag
        /// enrolled later from other songs than the training set (``fitEnrolledProbe(_:positives:c:classWeighting:)``).
        case enrolledProbe(Pipeline)
    }

    /// What `fit` trains: logistic probes (with inverse L2 strength `c`) or one BCE perceptron.
    public enum Base: Codable, Sendable {
        case logistic(c: Double, classWeighting: ClassWeighting)
        case perceptron(MultilayerPerceptronSettings)
    }

    public var scaler: StandardScaler?
    public var pca: PCA?
    public var base: Base
    /// The shared network of ``Base/perceptron(_:)`` heads (nil for logistic taggers).
    public private(set) var perceptron: MultiLabelPerceptron?
    /// One head per tag, in tag order.
    public private(set) var heads: [Head] = []
    public private(set) var featureCount = 0

    public init(base: Base = .logistic(c: 1, classWeighting: .none), scaler: StandardScaler? = StandardScaler(), pca: PCA? = nil) {
        self.base = base; self.scaler = scaler; self.pca = pca
    }

    /// Number of tags (columns of ``predictProbabilities(_:)``).
    public var tagCount: Int { heads.count }

    /// Fits the scaler/PCA and every head on `x` (`n × d`) and the 0/1 indicator matrix `indicators` (`n × T`).
    /// - Throws: ``LearningError/shapeMismatch(_:)`` when the row counts differ, ``LearningError/invalidArgument(_:)``
    ///   for an empty set, no tags, or indicator values other than 0 and 1.
    public mutating func fit(_ x: Matrix, indicators: Matrix, sampleWeights: [Double]? = nil) throws {
        guard x.rows == indicators.rows else { throw LearningError.shapeMismatch("\(x.rows) rows but \(indicators.rows) indicator rows") }
        guard x.rows > 0 else { throw LearningError.invalidArgument("empty training set") }
        guard indicators.cols >= 1 else { throw LearningError.invalidArgument("no tags to learn") }
        guard indicators.values.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw LearningError.invalidArgument("indicator values must be 0 or 1") }
        featureCount = x.cols
        var z = x
        if scaler != nil { z = scaler!.fitTransform(z) }
        if pca != nil { z = pca!.fitTransform(z) }
        switch base {
        case .logistic(let c, let weighting):
            perceptron = nil
            heads = try (0..<indicators.cols).map { t in
                .probe(try Self.fitProbe(z, positives: indicators.column(t).map { $0 == 1 }, c: c, classWeighting: weighting, sampleWeights: sampleWeights))
            }
        case .perceptron(let settings):
            var net = MultiLabelPerceptron(settings: settings)
            try net.fit(z, indicators: indicators, sampleWeights: sampleWeights)
            perceptron = net
            heads = (0..<indicators.cols).map { .perceptronOutput($0) }
        }
    }

    /// A binary logistic probe for one tag on already transformed features `z`: label 1 for `positives`, 0 otherwise.
    public static func fitProbe(_ z: Matrix, positives: [Bool], c: Double, classWeighting: ClassWeighting = .none,
                                sampleWeights: [Double]? = nil) throws -> LogisticRegression {
        var lr = LogisticRegression(c: c, tolerance: 1e-8, maxIterations: 10_000, classWeighting: classWeighting)
        try lr.fit(z, labels: positives.map { $0 ? 1 : 0 }, classCount: 2, sampleWeights: sampleWeights)
        return lr
    }

    /// A binary logistic probe for a tag enrolled after training, on raw features `x`, behind its own
    /// `StandardScaler` fitted on these rows: the examples and negatives may lie outside the training data's range,
    /// where the tagger's shared standardisation (fitted on the training rows alone) would blow up features that
    /// were constant in training.
    ///
    /// Rows are rounded to float16 (``roundedToHalf(_:)``) here and at prediction time: negatives kept in a model
    /// file are float16, and a feature that is the same constant `c` for every song (a dead filter) must not become
    /// a perfect separator between `c` (examples) and `f16(c)` (stored negatives) once standardised.
    public static func fitEnrolledProbe(_ x: Matrix, positives: [Bool], c: Double, classWeighting: ClassWeighting = .balanced) throws -> Pipeline {
        var probe = Pipeline(scaler: StandardScaler(), pca: nil,
                             classifier: .logisticRegression(LogisticRegression(c: c, tolerance: 1e-8, maxIterations: 10_000, classWeighting: classWeighting)))
        try probe.fit(roundedToHalf(x), labels: positives.map { $0 ? 1 : 0 }, classCount: 2, sampleWeights: nil)
        return probe
    }

    /// Every value rounded to the nearest float16 (through float32, ties to even).
    public static func roundedToHalf(_ x: Matrix) -> Matrix {
        Matrix(rows: x.rows, cols: x.cols, values: x.values.map { Double(Half.round(Float($0))) })
    }

    /// The features the heads see: `x` standardised, then projected by PCA when present.
    public func transform(_ x: Matrix) -> Matrix {
        var z = x
        if let s = scaler { z = s.transform(z) }
        if let p = pca { z = p.transform(z) }
        return z
    }

    /// Independent tag probabilities, `rows × tagCount`.
    public func predictProbabilities(_ x: Matrix) -> Matrix {
        precondition(x.cols == featureCount, "OneVsRestClassifier: \(x.cols) features, fitted on \(featureCount)")
        let z = transform(x)
        let net = perceptron.map { $0.predictProbabilities(z) }
        var out = Matrix(rows: x.rows, cols: heads.count)
        for (t, head) in heads.enumerated() {
            switch head {
            case .enrolledProbe(let probe):
                let p = probe.predictProbabilities(Self.roundedToHalf(x))
                for r in 0..<x.rows { out[r, t] = p[r, 1] }
            case .probe(let lr):
                let p = lr.predictProbabilities(z)
                for r in 0..<x.rows { out[r, t] = p[r, 1] }
            case .perceptronOutput(let k):
                for r in 0..<x.rows { out[r, t] = net![r, k] }
            }
        }
        return out
    }

    /// 0/1 decisions `p_t ≥ thresholds[t]`, `rows × tagCount`.
    public func predict(_ x: Matrix, thresholds: [Double]) -> Matrix {
        let p = predictProbabilities(x)
        var out = Matrix(rows: p.rows, cols: p.cols)
        for r in 0..<p.rows { for t in 0..<p.cols where p[r, t] >= thresholds[t] { out[r, t] = 1 } }
        return out
    }

    /// A copy with one more tag, `head`, as the last column.
    public func appending(_ head: Head) -> OneVsRestClassifier {
        var copy = self
        copy.heads.append(head)
        return copy
    }

    /// A copy whose tag `index` is `head` instead (the other heads are untouched).
    public func replacing(at index: Int, with head: Head) -> OneVsRestClassifier {
        var copy = self
        copy.heads[index] = head
        return copy
    }

    /// The inverse L2 strength probes of this tagger use (1 for perceptron taggers).
    public var probeC: Double {
        if case .logistic(let c, _) = base { return c }
        return 1
    }
}

/// `OneVsRestClassifier` as a single-label ``Classifier`` (class `c` ↔ tag `c`, one-hot targets, as scikit-learn's
/// `OneVsRestClassifier` on multi-class labels), so it can travel in ``AnyClassifier`` and model files.
/// `predictProbabilities` still returns the independent per-tag probabilities.
extension OneVsRestClassifier: Classifier {
    public var classCount: Int { tagCount }

    public mutating func fit(_ x: Matrix, labels: [Int], classCount: Int, sampleWeights: [Double]?) throws {
        try validateFitArguments(x, labels: labels, classCount: classCount, sampleWeights: sampleWeights)
        try fit(x, indicators: Metrics.oneHot(labels, classCount: classCount), sampleWeights: sampleWeights)
    }
}

extension AnyClassifier {
    /// The multi-label tagger inside, when this is one.
    public var oneVsRestTagger: OneVsRestClassifier? {
        if case .oneVsRest(let m) = self { return m }
        return nil
    }
}
