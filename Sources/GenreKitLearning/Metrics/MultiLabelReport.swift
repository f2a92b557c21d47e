import Foundation

/// A JSON-friendly summary of a multi-label tagger on labelled rows (songs): ranking metrics from the scores and
/// decision metrics from the thresholded scores, overall and per tag.
///
/// - ROC-AUC: per tag `roc_auc_score(Y[:, t], S[:, t])`; micro = one AUC over all (row, tag) cells. The macro
///   mean runs over the tags whose AUC is defined (at least one positive and one negative row; ``rocAUCTagsScored``
///   says how many) — scikit-learn's `average='macro'` would be NaN as soon as one tag is undefined.
/// - mAP: macro average precision (`average_precision_score(Y, S, average='macro')`, a tag without positives
///   scores 0 as in scikit-learn); micro AP over all cells.
/// - Precision/recall/F1 of `S ≥ thresholds` with macro, micro and samples averages (``Metrics/multiLabelPrecisionRecallF1(indicators:predictions:)``).
///
/// A NaN value is stored as nil (JSON has no NaN).
public struct MultiLabelReport: Codable, Equatable, Sendable {
    public struct TagRow: Codable, Equatable, Sendable {
        public var name: String
        /// Rows carrying the tag.
        public var support: Int
        public var threshold: Double
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var rocAUC: Double?
        public var averagePrecision: Double
    }

    public var sampleCount: Int
    public var tags: [TagRow]
    public var rocAUCMacro: Double?
    public var rocAUCTagsScored: Int
    public var rocAUCMicro: Double?
    /// Mean average precision over tags (macro PR-AUC).
    public var meanAveragePrecision: Double
    public var averagePrecisionMicro: Double
    public var f1Macro: Double
    public var f1Micro: Double
    public var f1Samples: Double
    public var precisionMicro: Double
    public var recallMicro: Double
    /// Mean number of tags per row: true and predicted.
    public var tagsPerRow: Double
    public var predictedTagsPerRow: Double

    /// - Parameters:
    ///   - indicators: 0/1 truth, `n × T`; `scores`: probabilities, `n × T`; `thresholds`: `T` decision thresholds.
    public init(indicators: Matrix, scores: Matrix, thresholds: [Double], tagNames: [String]) {
        precondition(indicators.rows == scores.rows && indicators.cols == scores.cols && thresholds.count == scores.cols
                     && tagNames.count == scores.cols, "MultiLabelReport: shape mismatch")
        func finite(_ v: Double) -> Double? { v.isNaN ? nil : v }
        var decisions = Matrix(rows: scores.rows, cols: scores.cols)
        for r in 0..<scores.rows { for t in 0..<scores.cols where scores[r, t] >= thresholds[t] { decisions[r, t] = 1 } }
        let prf = Metrics.multiLabelPrecisionRecallF1(indicators: indicators, predictions: decisions)
        let rocs = Metrics.rocAUCPerColumn(indicators: indicators, scores: scores)
        let aps = Metrics.averagePrecisionPerColumn(indicators: indicators, scores: scores)
        sampleCount = scores.rows
        tags = (0..<scores.cols).map { t in
            TagRow(name: tagNames[t], support: prf.support[t], threshold: thresholds[t], precision: prf.precision[t],
                   recall: prf.recall[t], f1: prf.f1[t], rocAUC: finite(rocs[t]), averagePrecision: aps[t])
        }
        let defined = rocs.filter { !$0.isNaN }
        rocAUCTagsScored = defined.count
        rocAUCMacro = defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
        rocAUCMicro = scores.rows > 0 ? finite(Metrics.rocAUC(indicators: indicators, scores: scores, average: .micro)) : nil
        meanAveragePrecision = aps.isEmpty ? 0 : aps.reduce(0, +) / Double(aps.count)
        averagePrecisionMicro = scores.rows > 0 ? Metrics.averagePrecision(indicators: indicators, scores: scores, average: .micro) : 0
        f1Macro = prf.macroF1; f1Micro = prf.microF1; f1Samples = prf.samplesF1
        precisionMicro = prf.microPrecision; recallMicro = prf.microRecall
        let rows = Double(max(scores.rows, 1))
        tagsPerRow = indicators.values.reduce(0, +) / rows
        predictedTagsPerRow = decisions.values.reduce(0, +) / rows
    }

    /// A plain-text summary and per-tag table.
    public func formatted(digits: Int = 3) -> String {
        func num(_ v: Double?) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "n/a" }
        let width = max(12, (tags.map(\.name.count).max() ?? 0) + 2)
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        var lines = [
            "ROC-AUC   macro \(num(rocAUCMacro)) (\(rocAUCTagsScored) of \(tags.count) tags)   micro \(num(rocAUCMicro))",
            "PR-AUC    mAP   \(num(meanAveragePrecision))   micro \(num(averagePrecisionMicro))",
            "F1        macro \(num(f1Macro))   micro \(num(f1Micro))   samples \(num(f1Samples))   (micro precision \(num(precisionMicro)), recall \(num(recallMicro)))",
            String(format: "tags per song: %.2f true, %.2f predicted (%d songs)", tagsPerRow, predictedTagsPerRow, sampleCount),
            "",
            pad("tag", width) + ["support", "threshold", "precision", "recall", "f1", "ROC-AUC", "AP"].map { pad($0, 10) }.joined(),
        ]
        for t in tags {
            lines.append(pad(t.name, width) + pad(String(t.support), 10)
                         + [t.threshold, t.precision, t.recall, t.f1].map { pad(num($0), 10) }.joined()
                         + pad(num(t.rocAUC), 10) + pad(num(t.averagePrecision), 10))
        }
        return lines.joined(separator: "\n")
    }
}
