/// Per-feature standardisation `z = (x − μ) / σ`, as scikit-learn's `StandardScaler`.
///
/// `μ_j = (1/n) Σ_i x_ij`; `σ_j² = (1/n) Σ_i (x_ij − μ_j)²` (population variance, computed
/// two-pass with the compensation term `− (Σ_i (x_ij − μ_j))² / n` like scikit-learn).
/// A (near-)constant feature — `σ_j² ≤ n·ε·σ_j² + (n·μ_j·ε)²`, scikit-learn's
/// `_is_constant_feature` bound, which includes exact zeros — gets `σ_j = 1`, so it
/// maps to 0 instead of dividing by zero (some network features are exact constants).
public struct StandardScaler: Codable, Equatable, Sendable {
    public var withMean: Bool
    public var withStd: Bool
    /// `μ` per feature (zeros when `withMean` is false).
    public private(set) var mean: [Double] = []
    /// Population variance per feature.
    public private(set) var variance: [Double] = []
    /// Divisor per feature: `σ`, or 1 for constant features / `withStd == false`.
    public private(set) var scale: [Double] = []

    public init(withMean: Bool = true, withStd: Bool = true) {
        self.withMean = withMean
        self.withStd = withStd
    }

    public var isFitted: Bool { !scale.isEmpty }

    /// Learns `μ`, `σ²` and the scale from the rows of `x`.
    public mutating func fit(_ x: Matrix) {
        precondition(x.rows > 0, "StandardScaler.fit: empty matrix")
        let n = Double(x.rows), d = x.cols
        var sum = [Double](repeating: 0, count: d)
        for r in 0..<x.rows {
            for c in 0..<d { sum[c] += x.values[r * d + c] }
        }
        let mu = sum.map { $0 / n }
        var sq = [Double](repeating: 0, count: d), corr = [Double](repeating: 0, count: d)
        for r in 0..<x.rows {
            for c in 0..<d {
                let t = x.values[r * d + c] - mu[c]
                corr[c] += t
                sq[c] += t * t
            }
        }
        let eps = Double.ulpOfOne
        variance = (0..<d).map { c in (sq[c] - corr[c] * corr[c] / n) / n }
        mean = withMean ? mu : [Double](repeating: 0, count: d)
        scale = (0..<d).map { c in
            guard withStd else { return 1 }
            let v = variance[c]
            let bound = n * eps * v + (n * mu[c] * eps) * (n * mu[c] * eps)
            return v <= bound ? 1 : v.squareRoot()
        }
    }

    /// `(x − μ) / σ` row by row.
    public func transform(_ x: Matrix) -> Matrix {
        precondition(isFitted, "StandardScaler.transform before fit")
        precondition(x.cols == scale.count, "StandardScaler: \(x.cols) features, fitted on \(scale.count)")
        var out = x
        let d = x.cols
        for r in 0..<x.rows {
            for c in 0..<d { out.values[r * d + c] = (x.values[r * d + c] - mean[c]) / scale[c] }
        }
        return out
    }

    /// `x · σ + μ`.
    public func inverseTransform(_ z: Matrix) -> Matrix {
        precondition(isFitted && z.cols == scale.count, "StandardScaler.inverseTransform: shape")
        var out = z
        let d = z.cols
        for r in 0..<z.rows {
            for c in 0..<d { out.values[r * d + c] = z.values[r * d + c] * scale[c] + mean[c] }
        }
        return out
    }

    public mutating func fitTransform(_ x: Matrix) -> Matrix {
        fit(x)
        return transform(x)
    }
}
