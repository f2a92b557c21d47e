import Foundation

/// A JSON-friendly summary of a classifier's performance on a labelled set.
///
/// Per-class rows cover every class `0..<classCount`; the macro and weighted averages run
/// over the labels present in the true or predicted labels, exactly as scikit-learn's
/// `classification_report` (`zero_division=0`). Ranking scores (ROC-AUC, AP) are filled
/// only when probabilities are given; a NaN value (ROC-AUC of a class without true
/// samples, and hence the macro ROC-AUC) is stored as `nil` because JSON has no NaN.
public struct ClassificationReport: Codable, Equatable, Sendable {
    public struct ClassRow: Codable, Equatable, Sendable {
        public var label: Int
        public var name: String?
        public var precision: Double
        public var recall: Double
        public var f1: Double
        /// Number of true samples of the class.
        public var support: Int
        /// One-vs-rest ROC-AUC (nil without probabilities or without true samples).
        public var rocAUC: Double?
        /// One-vs-rest average precision (nil without probabilities).
        public var averagePrecision: Double?
    }

    public struct Average: Codable, Equatable, Sendable {
        public var precision: Double
        public var recall: Double
        public var f1: Double
    }

    public var sampleCount: Int
    public var classes: [ClassRow]
    public var accuracy: Double
    public var balancedAccuracy: Double
    public var macro: Average
    public var weighted: Average
    public var micro: Average
    /// `confusionMatrix[true][predicted]`.
    public var confusionMatrix: [[Int]]
    public var rocAUCMacro: Double?
    public var rocAUCMicro: Double?
    public var averagePrecisionMacro: Double?
    public var averagePrecisionMicro: Double?

    /// Builds the report.
    /// - Parameters:
    ///   - trueLabels, predicted: class indices in `0..<classCount`.
    ///   - probabilities: optional `n × classCount` scores for the ranking metrics.
    ///   - classNames: optional names (index = class).
    public init(trueLabels: [Int], predicted: [Int], probabilities: Matrix? = nil,
                classCount: Int, classNames: [String]? = nil) {
        precondition(trueLabels.count == predicted.count, "ClassificationReport: length mismatch")
        func finite(_ v: Double) -> Double? { v.isNaN ? nil : v }
        let prf = Metrics.precisionRecallF1(trueLabels, predicted)
        let all = Metrics.precisionRecallF1(trueLabels, predicted, labels: Array(0..<classCount))
        var rocs: [Double]? = nil, aps: [Double]? = nil
        if let p = probabilities {
            precondition(p.rows == trueLabels.count && p.cols == classCount, "ClassificationReport: probabilities shape")
            rocs = Metrics.rocAUCPerClass(labels: trueLabels, scores: p)
            aps = Metrics.averagePrecisionPerClass(labels: trueLabels, scores: p)
            rocAUCMacro = finite(Metrics.rocAUC(labels: trueLabels, scores: p, average: .macro))
            rocAUCMicro = finite(Metrics.rocAUC(labels: trueLabels, scores: p, average: .micro))
            averagePrecisionMacro = finite(Metrics.averagePrecision(labels: trueLabels, scores: p, average: .macro))
            averagePrecisionMicro = finite(Metrics.averagePrecision(labels: trueLabels, scores: p, average: .micro))
        }
        sampleCount = trueLabels.count
        classes = (0..<classCount).map { c in
            ClassRow(label: c, name: classNames.flatMap { c < $0.count ? $0[c] : nil },
                     precision: all.precision[c], recall: all.recall[c], f1: all.f1[c], support: all.support[c],
                     rocAUC: rocs.flatMap { finite($0[c]) }, averagePrecision: aps.flatMap { finite($0[c]) })
        }
        accuracy = Metrics.accuracy(trueLabels, predicted)
        balancedAccuracy = Metrics.balancedAccuracy(trueLabels, predicted)
        macro = Average(precision: prf.macroPrecision, recall: prf.macroRecall, f1: prf.macroF1)
        weighted = Average(precision: prf.weightedPrecision, recall: prf.weightedRecall, f1: prf.weightedF1)
        micro = Average(precision: prf.microPrecision, recall: prf.microRecall, f1: prf.microF1)
        confusionMatrix = Metrics.confusionMatrix(trueLabels, predicted, classCount: classCount)
    }

    /// JSON encoding (sorted keys, pretty-printed).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// A plain-text table in the layout of scikit-learn's `classification_report`.
    public func formatted(digits: Int = 3) -> String {
        let names = classes.map { $0.name ?? String($0.label) }
        let width = max(14, (names.map(\.count).max() ?? 0) + 2)
        func num(_ v: Double) -> String { String(format: "%9.\(digits)f", v) }
        func pad(_ s: String) -> String { s.count >= width ? s : String(repeating: " ", count: width - s.count) + s }
        var lines = [pad("") + "precision".leftPadded(10) + "recall".leftPadded(10) + "f1-score".leftPadded(10) + "support".leftPadded(10), ""]
        for (row, name) in zip(classes, names) {
            lines.append(pad(name) + " " + num(row.precision) + " " + num(row.recall) + " " + num(row.f1) + String(row.support).leftPadded(10))
        }
        lines.append("")
        lines.append(pad("accuracy") + String(repeating: " ", count: 20) + " " + num(accuracy) + String(sampleCount).leftPadded(10))
        lines.append(pad("macro avg") + " " + num(macro.precision) + " " + num(macro.recall) + " " + num(macro.f1) + String(sampleCount).leftPadded(10))
        lines.append(pad("weighted avg") + " " + num(weighted.precision) + " " + num(weighted.recall) + " " + num(weighted.f1) + String(sampleCount).leftPadded(10))
        lines.append(pad("balanced acc") + String(repeating: " ", count: 20) + " " + num(balancedAccuracy))
        if let r = rocAUCMacro { lines.append(pad("ROC-AUC ovr") + String(repeating: " ", count: 20) + " " + num(r)) }
        if let a = averagePrecisionMacro { lines.append(pad("avg precision") + String(repeating: " ", count: 20) + " " + num(a)) }
        return lines.joined(separator: "\n")
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
