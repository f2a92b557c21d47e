/// Classification metrics that mirror `sklearn.metrics` (scikit-learn 1.9) to ~1e-12.
///
/// Labels are class indices. Functions taking predicted labels compare them with the
/// true labels; functions taking scores (ROC-AUC, average precision) rank samples.
public enum Metrics {}

extension Metrics {
    /// Fraction of correct predictions, `Σ_i s_i [ŷ_i = y_i] / Σ_i s_i` (`accuracy_score`).
    public static func accuracy(_ yTrue: [Int], _ yPred: [Int], sampleWeights: [Double]? = nil) -> Double {
        precondition(yTrue.count == yPred.count, "accuracy: length mismatch")
        var hit = 0.0, total = 0.0
        for i in yTrue.indices {
            let w = sampleWeights?[i] ?? 1
            total += w
            if yTrue[i] == yPred[i] { hit += w }
        }
        return total > 0 ? hit / total : .nan
    }

    /// Mean per-class recall over the classes that occur in `yTrue`
    /// (`balanced_accuracy_score`, `adjusted=False`): `(1/|C|) Σ_{c∈C} TP_c / (TP_c + FN_c)`.
    /// Classes that are only predicted (no true samples) are ignored, as scikit-learn does
    /// after warning.
    public static func balancedAccuracy(_ yTrue: [Int], _ yPred: [Int]) -> Double {
        precondition(yTrue.count == yPred.count, "balancedAccuracy: length mismatch")
        var support: [Int: Int] = [:], correct: [Int: Int] = [:]
        for i in yTrue.indices {
            support[yTrue[i], default: 0] += 1
            if yTrue[i] == yPred[i] { correct[yTrue[i], default: 0] += 1 }
        }
        guard !support.isEmpty else { return .nan }
        let recalls = support.keys.sorted().map { Double(correct[$0] ?? 0) / Double(support[$0]!) }
        return recalls.reduce(0, +) / Double(recalls.count)
    }

    /// Confusion matrix `M[t][p]` = number of samples with true class `t` predicted as `p`,
    /// for classes `0..<classCount` (`confusion_matrix(y, ŷ, labels=range(classCount))`).
    public static func confusionMatrix(_ yTrue: [Int], _ yPred: [Int], classCount: Int) -> [[Int]] {
        precondition(yTrue.count == yPred.count, "confusionMatrix: length mismatch")
        var m = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for i in yTrue.indices { m[yTrue[i]][yPred[i]] += 1 }
        return m
    }

    /// Per-class and averaged precision, recall and F1 (`precision_recall_fscore_support`
    /// with `zero_division=0`).
    public struct PrecisionRecallF1: Codable, Equatable, Sendable {
        /// The labels the per-class arrays refer to, ascending.
        public var labels: [Int]
        /// `TP / (TP + FP)`, 0 when nothing was predicted as the class.
        public var precision: [Double]
        /// `TP / (TP + FN)`, 0 when the class has no true samples.
        public var recall: [Double]
        /// `2 TP / (2 TP + FP + FN)`, 0 when the denominator is 0.
        public var f1: [Double]
        /// Number of true samples per label.
        public var support: [Int]
        /// Unweighted means over `labels`.
        public var macroPrecision: Double, macroRecall: Double, macroF1: Double
        /// Means weighted by `support` (`average='weighted'`).
        public var weightedPrecision: Double, weightedRecall: Double, weightedF1: Double
        /// Global counts: `ΣTP/Σ(TP+FP)`, `ΣTP/Σ(TP+FN)` and their F1 (`average='micro'`).
        public var microPrecision: Double, microRecall: Double, microF1: Double
    }

    /// Precision, recall and F1 per label and averaged, with `zero_division=0`.
    /// - Parameter labels: labels to score; by default the sorted union of the labels in
    ///   `yTrue` and `yPred`, as scikit-learn. Macro averages run over exactly these labels.
    public static func precisionRecallF1(_ yTrue: [Int], _ yPred: [Int], labels: [Int]? = nil) -> PrecisionRecallF1 {
        precondition(yTrue.count == yPred.count, "precisionRecallF1: length mismatch")
        let labs = labels ?? Array(Set(yTrue).union(yPred)).sorted()
        var index: [Int: Int] = [:]
        for (i, l) in labs.enumerated() { index[l] = i }
        var tp = [Double](repeating: 0, count: labs.count)
        var predSum = tp, trueSum = tp
        for i in yTrue.indices {
            if let t = index[yTrue[i]] { trueSum[t] += 1 }
            if let p = index[yPred[i]] {
                predSum[p] += 1
                if yTrue[i] == yPred[i] { tp[p] += 1 }
            }
        }
        func div(_ a: Double, _ b: Double) -> Double { b == 0 ? 0 : a / b }
        let precision = labs.indices.map { div(tp[$0], predSum[$0]) }
        let recall = labs.indices.map { div(tp[$0], trueSum[$0]) }
        let f1 = labs.indices.map { div(2 * tp[$0], trueSum[$0] + predSum[$0]) }
        func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }
        let totalSupport = trueSum.reduce(0, +)
        func weighted(_ v: [Double]) -> Double {
            totalSupport == 0 ? 0 : zip(v, trueSum).reduce(0) { $0 + $1.0 * $1.1 } / totalSupport
        }
        let sTP = tp.reduce(0, +), sPred = predSum.reduce(0, +), sTrue = trueSum.reduce(0, +)
        return PrecisionRecallF1(
            labels: labs, precision: precision, recall: recall, f1: f1,
            support: trueSum.map { Int($0) },
            macroPrecision: mean(precision), macroRecall: mean(recall), macroF1: mean(f1),
            weightedPrecision: weighted(precision), weightedRecall: weighted(recall), weightedF1: weighted(f1),
            microPrecision: div(sTP, sPred), microRecall: div(sTP, sTrue), microF1: div(2 * sTP, sTrue + sPred))
    }
}
