/// Per-tag decision thresholds for a multi-label tagger: tag `t` is given when `p_t ≥ threshold_t`.
public enum TagThresholds {
    /// The threshold used when there is nothing to fit on (no validation data, or no positive validation row).
    public static let fallback = 0.5

    /// For each tag (column), the threshold maximising that tag's F1 `2TP / (2TP + FP + FN)` of `scores ≥ t` on
    /// validation rows.
    ///
    /// Candidates are the tag's distinct scores `s_(1) < … < s_(m)`; the best candidate `s_(j)` (the lowest one on
    /// ties) becomes the midpoint `(s_(j−1) + s_(j)) / 2` with the next lower score, so that the same decisions hold
    /// on validation data with a margin on both sides (`s_(1)` itself when `j = 1`). A tag without positive
    /// validation rows keeps ``fallback``.
    public static func fit(scores: Matrix, indicators: Matrix) -> [Double] {
        precondition(scores.rows == indicators.rows && scores.cols == indicators.cols, "TagThresholds.fit: shape mismatch")
        return (0..<scores.cols).map { t in
            fit(scores: scores.column(t), positives: indicators.column(t).map { $0 != 0 })
        }
    }

    /// One tag's threshold (see ``fit(scores:indicators:)``).
    public static func fit(scores: [Double], positives: [Bool]) -> Double {
        let totalPositives = positives.filter { $0 }.count
        guard totalPositives > 0, !scores.isEmpty else { return fallback }
        // Sweep the scores from the highest down: after each distinct score, everything ≥ it is predicted positive.
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var tp = 0, fp = 0
        var best = (f1: -1.0, index: 0)
        var k = 0
        while k < order.count {
            let s = scores[order[k]]
            while k < order.count && scores[order[k]] == s {
                if positives[order[k]] { tp += 1 } else { fp += 1 }
                k += 1
            }
            let f1 = 2.0 * Double(tp) / Double(2 * tp + fp + (totalPositives - tp))
            if f1 >= best.f1 { best = (f1, k - 1) }          // ≥: the lowest threshold among equals
        }
        let chosen = scores[order[best.index]]
        guard best.index + 1 < order.count else { return chosen }
        return (chosen + scores[order[best.index + 1]]) / 2
    }
}
