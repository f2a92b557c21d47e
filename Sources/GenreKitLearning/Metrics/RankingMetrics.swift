/// How per-class ranking scores are combined for multi-class / multi-label input.
public enum ScoreAverage: String, Codable, Sendable {
    /// Unweighted mean of the one-vs-rest per-class scores (`average='macro'`).
    case macro
    /// One binary problem over every (sample, class) cell of the indicator and score
    /// matrices, ravelled (`average='micro'`).
    case micro
}

extension Metrics {
    /// Cumulative weighted true/false positive counts at each distinct score, from the
    /// highest score down (the points of scikit-learn's `_binary_clf_curve`).
    static func thresholdCounts(positives: [Bool], scores: [Double], sampleWeights: [Double]?)
        -> (tps: [Double], fps: [Double]) {
        precondition(positives.count == scores.count, "ranking metric: length mismatch")
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var tps: [Double] = [], fps: [Double] = []
        var tp = 0.0, fp = 0.0
        for (k, i) in order.enumerated() {
            let w = sampleWeights?[i] ?? 1
            if positives[i] { tp += w } else { fp += w }
            if k == order.count - 1 || scores[order[k + 1]] != scores[i] {
                tps.append(tp)
                fps.append(fp)
            }
        }
        return (tps, fps)
    }

    /// Area under the ROC curve of a binary problem (`roc_auc_score`).
    ///
    /// The curve has one point per distinct score (tied samples move together, which
    /// gives the diagonal segments scikit-learn draws), starting at (0, 0):
    /// `FPR_n = FP_n / FP_N`, `TPR_n = TP_n / TP_N`, and the area is the trapezoid sum
    /// `Σ_n (FPR_n − FPR_{n−1}) (TPR_n + TPR_{n−1}) / 2`.
    ///
    /// Returns NaN when `positives` holds only one class (no positives or no negatives):
    /// scikit-learn 1.9 warns (`UndefinedMetricWarning`) and returns `nan` there.
    public static func rocAUC(positives: [Bool], scores: [Double], sampleWeights: [Double]? = nil) -> Double {
        let (tps, fps) = thresholdCounts(positives: positives, scores: scores, sampleWeights: sampleWeights)
        guard let tpN = tps.last, let fpN = fps.last,
              positives.contains(true), positives.contains(false), tpN > 0, fpN > 0 else { return .nan }
        var area = 0.0
        var prevX = 0.0, prevY = 0.0
        for n in tps.indices {
            let x = fps[n] / fpN, y = tps[n] / tpN
            area += (x - prevX) * (y + prevY) / 2
            prevX = x
            prevY = y
        }
        return area
    }

    /// Average precision of a binary problem (`average_precision_score`), the step-wise
    /// (non-interpolated) area under the precision–recall curve:
    /// `AP = Σ_n (R_n − R_{n−1}) P_n` over distinct scores from the highest down, with
    /// `P_n = TP_n / (TP_n + FP_n)`, `R_n = TP_n / TP_N`, `R_{−1} = 0`.
    ///
    /// With no positive sample scikit-learn sets recall to 1 at every threshold (warning),
    /// which makes AP exactly 0; this function returns 0 likewise.
    public static func averagePrecision(positives: [Bool], scores: [Double], sampleWeights: [Double]? = nil) -> Double {
        let (tps, fps) = thresholdCounts(positives: positives, scores: scores, sampleWeights: sampleWeights)
        guard let tpN = tps.last, tpN > 0 else { return 0 }
        var ap = 0.0, prevRecall = 0.0
        for n in tps.indices {
            let recall = tps[n] / tpN
            let predicted = tps[n] + fps[n]
            let precision = predicted > 0 ? tps[n] / predicted : 0
            ap += (recall - prevRecall) * precision
            prevRecall = recall
        }
        return max(0, ap)
    }

    // MARK: One-vs-rest (multi-class labels)

    /// One-vs-rest ROC-AUC per class: class `c` is positive, `probabilities[:, c]` the score.
    /// A class without true samples gets NaN (see `rocAUC(positives:scores:)`).
    public static func rocAUCPerClass(labels: [Int], scores: Matrix) -> [Double] {
        (0..<scores.cols).map { c in rocAUC(positives: labels.map { $0 == c }, scores: scores.column(c)) }
    }

    /// Multi-class ROC-AUC from per-class scores (`scores.cols` classes).
    /// - `.macro`: `roc_auc_score(y, P, multi_class='ovr', average='macro')`, the mean of
    ///   `rocAUCPerClass`. If a class has no true samples its AUC is NaN and so is the mean —
    ///   scikit-learn with `labels=range(K)` returns `nan` the same way (without `labels`
    ///   it raises instead).
    /// - `.micro`: `roc_auc_score(y, P, multi_class='ovr', average='micro')`, one binary AUC
    ///   over the ravelled one-hot matrix and `P`.
    public static func rocAUC(labels: [Int], scores: Matrix, average: ScoreAverage = .macro) -> Double {
        rocAUC(indicators: oneHot(labels, classCount: scores.cols), scores: scores, average: average)
    }

    /// One-vs-rest average precision per class (0 for a class without true samples).
    public static func averagePrecisionPerClass(labels: [Int], scores: Matrix) -> [Double] {
        (0..<scores.cols).map { c in averagePrecision(positives: labels.map { $0 == c }, scores: scores.column(c)) }
    }

    /// Multi-class average precision (`average_precision_score(y, P, average=…)`):
    /// macro = mean of `averagePrecisionPerClass`; micro = AP over the ravelled one-hot
    /// matrix and `P`. A class without true samples contributes AP 0 (scikit-learn's
    /// multi-label behaviour; its multi-class path would reject the shape instead).
    public static func averagePrecision(labels: [Int], scores: Matrix, average: ScoreAverage = .macro) -> Double {
        averagePrecision(indicators: oneHot(labels, classCount: scores.cols), scores: scores, average: average)
    }

    // MARK: Multi-label indicators

    /// Multi-label ROC-AUC (`roc_auc_score(Y, S, average=…)`), `Y` a 0/1 indicator matrix.
    /// Macro is NaN as soon as one column has no positives or no negatives.
    public static func rocAUC(indicators: Matrix, scores: Matrix, average: ScoreAverage = .macro) -> Double {
        precondition(indicators.rows == scores.rows && indicators.cols == scores.cols, "rocAUC: shape mismatch")
        switch average {
        case .micro:
            return rocAUC(positives: indicators.values.map { $0 != 0 }, scores: scores.values)
        case .macro:
            let per = rocAUCPerColumn(indicators: indicators, scores: scores)
            return per.reduce(0, +) / Double(per.count)
        }
    }

    /// Multi-label ROC-AUC per column (NaN for a column with a single class).
    public static func rocAUCPerColumn(indicators: Matrix, scores: Matrix) -> [Double] {
        (0..<scores.cols).map { c in
            rocAUC(positives: indicators.column(c).map { $0 != 0 }, scores: scores.column(c))
        }
    }

    /// Multi-label average precision (`average_precision_score(Y, S, average=…)`).
    public static func averagePrecision(indicators: Matrix, scores: Matrix, average: ScoreAverage = .macro) -> Double {
        precondition(indicators.rows == scores.rows && indicators.cols == scores.cols, "averagePrecision: shape mismatch")
        switch average {
        case .micro:
            return averagePrecision(positives: indicators.values.map { $0 != 0 }, scores: scores.values)
        case .macro:
            let per = averagePrecisionPerColumn(indicators: indicators, scores: scores)
            return per.reduce(0, +) / Double(per.count)
        }
    }

    /// Multi-label average precision per column (0 for a column without positives).
    public static func averagePrecisionPerColumn(indicators: Matrix, scores: Matrix) -> [Double] {
        (0..<scores.cols).map { c in
            averagePrecision(positives: indicators.column(c).map { $0 != 0 }, scores: scores.column(c))
        }
    }

    /// `n × classCount` 0/1 matrix with a 1 at `(i, labels[i])`.
    public static func oneHot(_ labels: [Int], classCount: Int) -> Matrix {
        var m = Matrix(rows: labels.count, cols: classCount)
        for (i, l) in labels.enumerated() where l >= 0 && l < classCount { m[i, l] = 1 }
        return m
    }
}
