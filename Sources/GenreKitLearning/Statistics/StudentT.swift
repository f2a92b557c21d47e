import Foundation

/// Student's t distribution with `ν` degrees of freedom: its CDF and quantiles, for confidence intervals of
/// means over few samples (episodes, folds).
///
///     F(t; ν) = 1 − ½ · I_{ν/(ν+t²)}(ν/2, ½)      for t ≥ 0,    F(−t) = 1 − F(t),
///
/// with `I_x(a, b)` the regularised incomplete beta function (continued fraction, modified Lentz). Quantiles
/// invert `F` by bisection to double precision, e.g. `quantile(0.975, ν: 19) = 2.0930240544…`.
public enum StudentT {
    /// `P(T ≤ t)` for `ν > 0` degrees of freedom.
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "StudentT: degrees of freedom must be positive")
        guard t.isFinite else { return t > 0 ? 1 : 0 }
        let tail = 0.5 * regularizedIncompleteBeta(nu / (nu + t * t), a: nu / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The `p`-quantile: the `t` with `cdf(t) = p`, for `0 < p < 1`.
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(p > 0 && p < 1, "StudentT.quantile: p must be in (0, 1)")
        if p == 0.5 { return 0 }
        if p < 0.5 { return -quantile(1 - p, degreesOfFreedom: nu) }
        var lo = 0.0, hi = 1.0
        while cdf(hi, degreesOfFreedom: nu) < p { lo = hi; hi *= 2 }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if mid == lo || mid == hi { break }
            if cdf(mid, degreesOfFreedom: nu) < p { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }

    /// `I_x(a, b) = B(x; a, b) / B(a, b)` for `0 ≤ x ≤ 1`, `a, b > 0` (Numerical Recipes' `betai`).
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
        let lnPowers: Double = a * log(x) + b * log(1 - x)
        let lnFront = lnPowers - lnBeta
        let front = exp(lnFront)
        // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
        if x < (a + 1) / (a + b + 2) { return front * betaContinuedFraction(x, a: a, b: b) / a }
        return 1 - front * betaContinuedFraction(1 - x, a: b, b: a) / b
    }

    /// The continued fraction of the incomplete beta function (modified Lentz's method).
    static func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300, eps = 1e-16
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d; h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < eps { break }
        }
        return h
    }
}

/// The mean of a sample with its two-sided confidence interval from Student's t distribution:
///
///     x̄ ± t_{(1+level)/2, n−1} · s / √n,     s² = Σ (x_i − x̄)² / (n − 1)
///
/// (the interval for the mean of normally distributed values with unknown variance). NaN values are left out;
/// with fewer than two values the half-width is NaN.
public struct MeanConfidenceInterval: Codable, Sendable, Equatable {
    /// `x̄`.
    public var mean: Double
    /// `t · s / √n`: the interval is `mean ± halfWidth`.
    public var halfWidth: Double
    /// Sample standard deviation `s` (n − 1 in the denominator).
    public var standardDeviation: Double
    /// Values used (NaNs left out).
    public var count: Int
    /// Confidence level, e.g. 0.95.
    public var level: Double

    public init(_ values: [Double], level: Double = 0.95) {
        precondition(level > 0 && level < 1, "MeanConfidenceInterval: level must be in (0, 1)")
        let x = values.filter { !$0.isNaN }
        let n = x.count
        self.level = level
        count = n
        mean = n > 0 ? x.reduce(0, +) / Double(n) : .nan
        guard n >= 2 else { standardDeviation = .nan; halfWidth = .nan; return }
        let m = mean
        standardDeviation = (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)).squareRoot()
        halfWidth = StudentT.quantile((1 + level) / 2, degreesOfFreedom: Double(n - 1)) * standardDeviation / Double(n).squareRoot()
    }

    /// `mean − halfWidth`.
    public var lower: Double { mean - halfWidth }
    /// `mean + halfWidth`.
    public var upper: Double { mean + halfWidth }
}
