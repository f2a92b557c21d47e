import Foundation

/// Time summaries of one feature column over its frames, in float64.
public enum FrameSummary {
    /// Names of the statistics ``summarize(_:)`` returns, in order.
    public static let statisticNames = ["mean", "std", "skew", "p10", "p50", "p90"]

    /// `[mean, std, skew, p10, p50, p90]`: `np.mean`, `np.std` (ddof 0), `scipy.stats.skew` (biased,
    /// `m3 / m2^1.5`; scipy's NaN for a constant column, `m2 ≤ (ε·mean)²`, is returned as 0), and
    /// `np.percentile` with linear interpolation. All zeros for an empty column.
    public static func summarize(_ x: [Double]) -> [Double] {
        guard !x.isEmpty else { return [Double](repeating: 0, count: statisticNames.count) }
        let n = Double(x.count)
        let mean = x.reduce(0, +) / n
        var m2 = 0.0, m3 = 0.0
        for v in x { let d = v - mean; m2 += d * d; m3 += d * d * d }
        m2 /= n; m3 /= n
        let skew = m2 <= (Double.ulpOfOne * mean) * (Double.ulpOfOne * mean) ? 0 : m3 / pow(m2, 1.5)
        let sorted = x.sorted()
        return [mean, m2.squareRoot(), skew,
                percentile(sorted: sorted, 10), percentile(sorted: sorted, 50), percentile(sorted: sorted, 90)]
    }

    /// `np.percentile(x, q)` (method "linear") of ascending values: index `h = (n−1)·q/100`, interpolated between
    /// `x[⌊h⌋]` and `x[⌊h⌋+1]` the way NumPy's `_lerp` does.
    public static func percentile(sorted x: [Double], _ q: Double) -> Double {
        precondition(!x.isEmpty)
        let h = Double(x.count - 1) * (q / 100)
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, x.count - 1)
        let t = h - Double(lo), a = x[lo], b = x[hi]
        let diff = b - a
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t
    }
}
