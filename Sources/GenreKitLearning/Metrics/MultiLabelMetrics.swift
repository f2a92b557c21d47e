extension Metrics {
    /// Precision, recall and F1 of multi-label decisions (`precision_recall_fscore_support(Y, Ŷ, average=…,
    /// zero_division=0)` on indicator matrices), per tag and averaged three ways.
    public struct MultiLabelPRF: Codable, Equatable, Sendable {
        /// Per tag (column): `TP_t / (TP_t + FP_t)`, `TP_t / (TP_t + FN_t)`, `2 TP_t / (2 TP_t + FP_t + FN_t)`
        /// (0 when the denominator is 0), and the number of true positives rows `support_t`.
        public var precision: [Double], recall: [Double], f1: [Double], support: [Int]
        /// Unweighted means over all tags (`average='macro'`).
        public var macroPrecision: Double, macroRecall: Double, macroF1: Double
        /// From the counts summed over tags (`average='micro'`): `ΣTP / Σ(TP+FP)`, …
        public var microPrecision: Double, microRecall: Double, microF1: Double
        /// Means over rows of each row's own precision, recall and F1 (`average='samples'`); a row with no true
        /// and no predicted tag scores 0 (zero_division=0).
        public var samplesPrecision: Double, samplesRecall: Double, samplesF1: Double
    }

    /// Multi-label precision/recall/F1 of 0/1 `predictions` against 0/1 `indicators` (both `n × T`).
    public static func multiLabelPrecisionRecallF1(indicators y: Matrix, predictions p: Matrix) -> MultiLabelPRF {
        precondition(y.rows == p.rows && y.cols == p.cols, "multiLabelPrecisionRecallF1: shape mismatch")
        let n = y.rows, k = y.cols
        var tp = [Double](repeating: 0, count: k), predSum = tp, trueSum = tp
        var sP = 0.0, sR = 0.0, sF = 0.0
        for r in 0..<n {
            var rowTP = 0.0, rowPred = 0.0, rowTrue = 0.0
            for t in 0..<k {
                let truth = y[r, t] != 0, guess = p[r, t] != 0
                if truth { trueSum[t] += 1; rowTrue += 1 }
                if guess { predSum[t] += 1; rowPred += 1 }
                if truth && guess { tp[t] += 1; rowTP += 1 }
            }
            sP += div(rowTP, rowPred); sR += div(rowTP, rowTrue); sF += div(2 * rowTP, rowTrue + rowPred)
        }
        let precision = (0..<k).map { div(tp[$0], predSum[$0]) }
        let recall = (0..<k).map { div(tp[$0], trueSum[$0]) }
        let f1 = (0..<k).map { div(2 * tp[$0], trueSum[$0] + predSum[$0]) }
        func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }
        let aTP = tp.reduce(0, +), aPred = predSum.reduce(0, +), aTrue = trueSum.reduce(0, +)
        let rows = Double(max(n, 1))
        return MultiLabelPRF(
            precision: precision, recall: recall, f1: f1, support: trueSum.map { Int($0) },
            macroPrecision: mean(precision), macroRecall: mean(recall), macroF1: mean(f1),
            microPrecision: div(aTP, aPred), microRecall: div(aTP, aTrue), microF1: div(2 * aTP, aTrue + aPred),
            samplesPrecision: sP / rows, samplesRecall: sR / rows, samplesF1: sF / rows)
    }

    private static func div(_ a: Double, _ b: Double) -> Double { b == 0 ? 0 : a / b }
}
