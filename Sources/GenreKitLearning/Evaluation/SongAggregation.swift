/// How window (segment) predictions of one song become the song's prediction.
///
/// Seed paper 003 classifies 3-s windows and takes a majority vote per song; averaging probabilities and
/// per-class thresholds (its proposed fix for confusions such as Pop vs R&B) are the alternatives.
public enum SongAggregation: Sendable, Equatable, Codable {
    /// Majority vote of the windows' predicted classes; ties go to the tied class with the highest mean probability
    /// (then the lowest index). Song probabilities: vote shares.
    case vote
    /// Mean of the window probabilities, `p̄_c = (1/W) Σ_w p_{w,c}`; the song's class is `argmax_c p̄_c`.
    case mean
    /// Mean probabilities compared with per-class thresholds `t_c` (chosen on validation data with
    /// ``SongAggregation/fitThresholds(probabilities:labels:classCount:)``): the class is `argmax_c (p̄_c − t_c)`,
    /// the class that clears its own threshold by the widest margin.
    case threshold([Double])
    /// Learned attention over the window embeddings (``AttentionPooling``, trained on songs and stored in the model
    /// file; `GenreModelRunner` applies it). Given only window probabilities, as here, it falls back to the mean.
    case attention

    /// Song-level probabilities (`classCount` values summing to 1 for vote and mean) and the predicted class.
    /// - Parameters:
    ///   - windows: window probabilities, `windows × classes`.
    ///   - windowLabels: each window's predicted class by the classifier's own rule (an SVM votes one-vs-one,
    ///     as scikit-learn's `SVC.predict`); the arg-max of `windows` when nil.
    public func aggregate(_ windows: Matrix, windowLabels: [Int]? = nil) -> (probabilities: [Double], label: Int) {
        let w = windows.rows, c = windows.cols
        var mean = [Double](repeating: 0, count: c)
        for i in 0..<w { for j in 0..<c { mean[j] += windows[i, j] } }
        if w > 0 { mean = mean.map { $0 / Double(w) } }
        switch self {
        case .mean, .attention:
            return (mean, argmax(mean))
        case .vote:
            var votes = [Double](repeating: 0, count: c)
            for i in 0..<w {
                var best = 0
                if let windowLabels { best = windowLabels[i] } else {
                    for j in 1..<c where windows[i, j] > windows[i, best] { best = j }
                }
                votes[best] += 1
            }
            let top = votes.max() ?? 0
            var label = 0, bestMean = -Double.infinity
            for j in 0..<c where votes[j] == top && mean[j] > bestMean { label = j; bestMean = mean[j] }
            return (votes.map { w > 0 ? $0 / Double(w) : 0 }, label)
        case .threshold(let t):
            let margin = (0..<c).map { mean[$0] - (t.indices.contains($0) ? t[$0] : 0.5) }
            return (mean, argmax(margin))
        }
    }

    /// Per-class thresholds maximising one-vs-rest F1 of `p̄_c ≥ t` on validation songs (candidates: the distinct
    /// validation probabilities; a class with no positive song keeps 0.5).
    public static func fitThresholds(probabilities: Matrix, labels: [Int], classCount: Int) -> [Double] {
        (0..<classCount).map { c in
            let scores = (0..<probabilities.rows).map { probabilities[$0, c] }
            let positives = labels.filter { $0 == c }.count
            guard positives > 0 else { return 0.5 }
            var best = (f1: -1.0, t: 0.5)
            for t in Set(scores).sorted() {
                var tp = 0, fp = 0
                for (i, s) in scores.enumerated() where s >= t { if labels[i] == c { tp += 1 } else { fp += 1 } }
                let f1 = tp == 0 ? 0 : 2.0 * Double(tp) / Double(2 * tp + fp + (positives - tp))
                if f1 > best.f1 { best = (f1, t) }
            }
            return best.t
        }
    }

    private func argmax(_ v: [Double]) -> Int {
        var b = 0
        for i in v.indices where v[i] > v[b] { b = i }
        return b
    }
}
