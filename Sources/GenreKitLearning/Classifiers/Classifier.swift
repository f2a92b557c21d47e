/// A probabilistic classifier over rows of a feature `Matrix`.
///
/// Labels are class indices `0..<classCount`. `classCount` is given at fit time
/// so that a class missing from a training fold still gets a (zero-probability)
/// column: `predictProbabilities` always returns `rows × classCount`.
/// All classifiers are `Codable`, so a fitted model can be written to a model file
/// (see `AnyClassifier` for a tagged container).
public protocol Classifier: Codable, Sendable {
    /// Number of classes the fitted model reports (columns of `predictProbabilities`).
    var classCount: Int { get }

    /// Fits the model.
    /// - Parameters:
    ///   - x: `n × d` features, one sample per row.
    ///   - labels: `n` class indices in `0..<classCount`.
    ///   - classCount: total number of classes.
    ///   - sampleWeights: optional per-sample weights; the model's own
    ///     `classWeighting` is multiplied on top (scikit-learn semantics).
    mutating func fit(_ x: Matrix, labels: [Int], classCount: Int, sampleWeights: [Double]?) throws

    /// Class-membership probabilities, `rows × classCount`, rows summing to 1.
    func predictProbabilities(_ x: Matrix) -> Matrix

    /// Predicted class index per row.
    func predict(_ x: Matrix) -> [Int]
}

extension Classifier {
    /// Fits without per-sample weights.
    public mutating func fit(_ x: Matrix, labels: [Int], classCount: Int) throws {
        try fit(x, labels: labels, classCount: classCount, sampleWeights: nil)
    }

    /// Default prediction: `argmax` of `predictProbabilities` (first maximum on ties).
    public func predict(_ x: Matrix) -> [Int] {
        predictProbabilities(x).argmaxPerRow()
    }
}

/// Per-class weights applied to the loss, as scikit-learn's `class_weight`.
public enum ClassWeighting: Codable, Equatable, Sendable {
    /// All classes weigh 1.
    case none
    /// `w_c = Σ_i s_i / (n_present · Σ_{i: y_i = c} s_i)` with sample weights `s`
    /// (all 1 by default: `n_samples / (n_classes · count_c)`), where `n_present`
    /// counts the classes that occur in the training labels — as
    /// `sklearn.utils.class_weight.compute_class_weight("balanced", …)`.
    case balanced
    /// Explicit weights indexed by class (missing trailing classes weigh 1).
    case custom([Double])

    /// The weight of each class `0..<classCount` for these training labels.
    public func classWeights(labels: [Int], classCount: Int, sampleWeights: [Double]? = nil) -> [Double] {
        switch self {
        case .none:
            return [Double](repeating: 1, count: classCount)
        case .custom(let w):
            return (0..<classCount).map { $0 < w.count ? w[$0] : 1 }
        case .balanced:
            var counts = [Double](repeating: 0, count: classCount)
            for (i, y) in labels.enumerated() { counts[y] += sampleWeights?[i] ?? 1 }
            let total = counts.reduce(0, +)
            let present = Double(counts.filter { $0 > 0 }.count)
            return counts.map { $0 > 0 ? total / (present * $0) : 1 }
        }
    }

    /// Effective per-sample weights: `sampleWeights[i] · classWeight[labels[i]]`.
    public func effectiveSampleWeights(labels: [Int], classCount: Int, sampleWeights: [Double]?) -> [Double] {
        let cw = classWeights(labels: labels, classCount: classCount, sampleWeights: sampleWeights)
        return labels.enumerated().map { (i, y) in (sampleWeights?[i] ?? 1) * cw[y] }
    }
}

/// Shared argument validation for `fit`.
func validateFitArguments(_ x: Matrix, labels: [Int], classCount: Int, sampleWeights: [Double]?) throws {
    guard x.rows == labels.count else {
        throw LearningError.shapeMismatch("\(x.rows) rows but \(labels.count) labels")
    }
    guard x.rows > 0 else { throw LearningError.invalidArgument("empty training set") }
    guard classCount >= 1 else { throw LearningError.invalidArgument("classCount must be ≥ 1") }
    if let bad = labels.first(where: { $0 < 0 || $0 >= classCount }) {
        throw LearningError.invalidArgument("label \(bad) outside 0..<\(classCount)")
    }
    if let w = sampleWeights {
        guard w.count == labels.count else {
            throw LearningError.shapeMismatch("\(w.count) sample weights for \(labels.count) labels")
        }
        guard w.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw LearningError.invalidArgument("sample weights must be finite and ≥ 0")
        }
    }
}
