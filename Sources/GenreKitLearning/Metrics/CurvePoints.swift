/// Points of a ROC or precision–recall curve, for plotting.
public struct CurvePoints: Codable, Equatable, Sendable {
    public var x: [Double]
    public var y: [Double]
    /// Score threshold of each point (`+∞` for the first ROC point, where nothing is predicted positive).
    public var thresholds: [Double]
}

extension Metrics {
    /// The ROC curve of a binary problem, as scikit-learn's `roc_curve(..., drop_intermediate=False)`:
    /// one point per distinct score from the highest down, preceded by (0, 0) at threshold `+∞`;
    /// `x = FPR_n = FP_n / FP_N`, `y = TPR_n = TP_n / TP_N`. Its trapezoid area is ``rocAUC(positives:scores:sampleWeights:)``.
    /// Nil when the labels hold only one class.
    public static func rocCurve(positives: [Bool], scores: [Double]) -> CurvePoints? {
        let (tps, fps) = thresholdCounts(positives: positives, scores: scores, sampleWeights: nil)
        guard let tpN = tps.last, let fpN = fps.last, tpN > 0, fpN > 0 else { return nil }
        let distinct = distinctDescending(scores)
        return CurvePoints(x: [0] + fps.map { $0 / fpN }, y: [0] + tps.map { $0 / tpN }, thresholds: [.infinity] + distinct)
    }

    /// The precision–recall curve of a binary problem, as scikit-learn's `precision_recall_curve` read from the
    /// highest threshold down: `x = R_n = TP_n / TP_N`, `y = P_n = TP_n / (TP_n + FP_n)` per distinct score, then
    /// the end point (recall 0, precision 1) first, as scikit-learn appends it. Nil without positives.
    public static func precisionRecallCurve(positives: [Bool], scores: [Double]) -> CurvePoints? {
        let (tps, fps) = thresholdCounts(positives: positives, scores: scores, sampleWeights: nil)
        guard let tpN = tps.last, tpN > 0 else { return nil }
        let distinct = distinctDescending(scores)
        // scikit-learn stops at the first threshold reaching full recall.
        let stop = (tps.firstIndex { $0 == tpN } ?? tps.count - 1) + 1
        let recall = tps[..<stop].map { $0 / tpN }
        let precision = (0..<stop).map { tps[$0] + fps[$0] > 0 ? tps[$0] / (tps[$0] + fps[$0]) : 0 }
        return CurvePoints(x: [0] + recall, y: [1] + precision, thresholds: [.infinity] + distinct[..<stop])
    }

    static func distinctDescending(_ scores: [Double]) -> [Double] {
        var out: [Double] = []
        for s in scores.sorted(by: >) where out.last != s { out.append(s) }
        return out
    }
}
