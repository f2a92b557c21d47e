/// Limited-memory BFGS for smooth unconstrained minimisation of `f: ℝⁿ → ℝ`.
///
/// Direction `d = −H g` from the two-loop recursion over the last `memory` pairs
/// `(s, y) = (x₊ − x, g₊ − g)` with `H₀ = (sᵀy / yᵀy) I`; step from a strong-Wolfe line
/// search (`f(x+αd) ≤ f + c₁ α gᵀd`, `|g(x+αd)ᵀd| ≤ c₂ |gᵀd|`, c₁ = 1e-4, c₂ = 0.9) with
/// cubic-interpolation zoom (Nocedal & Wright, Alg. 3.5/3.6). The first step tries
/// `α = 1/‖g‖₂` like SciPy's L-BFGS-B.
///
/// Stops, like SciPy's L-BFGS-B as used by scikit-learn, when
/// `max_i |g_i| ≤ gradientTolerance` ("gtol"), or when
/// `(f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ functionTolerance` ("ftol", 64·ε by default),
/// or after `maxIterations` iterations, or when the line search cannot decrease `f`
/// any further (rounding floor).
public struct LBFGS: Sendable {
    public var memory: Int = 10
    public var maxIterations: Int = 1000
    public var gradientTolerance: Double = 1e-6
    public var functionTolerance: Double = 64 * Double.ulpOfOne
    public var maxLineSearchSteps: Int = 50

    public init(maxIterations: Int = 1000, gradientTolerance: Double = 1e-6, memory: Int = 10) {
        self.maxIterations = maxIterations
        self.gradientTolerance = gradientTolerance
        self.memory = memory
    }

    public enum Termination: String, Codable, Sendable {
        case gradientTolerance, functionTolerance, maxIterations, lineSearchFailed
    }

    public struct Result: Sendable {
        public var x: [Double]
        public var value: Double
        public var iterations: Int
        public var evaluations: Int
        public var termination: Termination
    }

    /// Minimises `objective`, which returns `f(x)` and writes `∇f(x)` into its second argument.
    public func minimize(_ x0: [Double], objective: (_ x: [Double], _ gradient: inout [Double]) -> Double) -> Result {
        let n = x0.count
        var x = x0
        var g = [Double](repeating: 0, count: n)
        var fx = objective(x, &g)
        var evaluations = 1
        var sList: [[Double]] = [], yList: [[Double]] = [], rhoList: [Double] = []
        if maxAbs(g) <= gradientTolerance {
            return Result(x: x, value: fx, iterations: 0, evaluations: 1, termination: .gradientTolerance)
        }
        var iteration = 0
        var d = [Double](repeating: 0, count: n)
        var xTrial = x, gTrial = g
        while iteration < maxIterations {
            // Two-loop recursion: d = −H g.
            for i in 0..<n { d[i] = -g[i] }
            var alphas = [Double](repeating: 0, count: sList.count)
            for j in stride(from: sList.count - 1, through: 0, by: -1) {
                let a = rhoList[j] * dot(sList[j], d)
                alphas[j] = a
                axpy(-a, yList[j], &d)
            }
            if let s = sList.last, let y = yList.last {
                let gamma = dot(s, y) / dot(y, y)
                for i in 0..<n { d[i] *= gamma }
            }
            for j in 0..<sList.count {
                let b = rhoList[j] * dot(yList[j], d)
                axpy(alphas[j] - b, sList[j], &d)
            }
            var slope = dot(g, d)
            if !(slope < 0) {  // not a descent direction: restart from steepest descent
                sList.removeAll(); yList.removeAll(); rhoList.removeAll()
                for i in 0..<n { d[i] = -g[i] }
                slope = dot(g, d)
            }
            let alpha0 = sList.isEmpty ? min(1, 1 / dot(d, d).squareRoot()) : 1
            let ls = lineSearch(x: x, fx: fx, slope: slope, d: d, alpha0: alpha0,
                                xTrial: &xTrial, gTrial: &gTrial, objective: objective)
            evaluations += ls.evaluations
            guard let fNew = ls.value else {
                if !sList.isEmpty {  // retry once from steepest descent
                    sList.removeAll(); yList.removeAll(); rhoList.removeAll()
                    continue
                }
                return Result(x: x, value: fx, iterations: iteration, evaluations: evaluations, termination: .lineSearchFailed)
            }
            iteration += 1
            var s = [Double](repeating: 0, count: n), y = s
            for i in 0..<n {
                s[i] = xTrial[i] - x[i]
                y[i] = gTrial[i] - g[i]
            }
            let sy = dot(s, y)
            if sy > Double.ulpOfOne * dot(y, y) {
                if sList.count == memory {
                    sList.removeFirst(); yList.removeFirst(); rhoList.removeFirst()
                }
                sList.append(s); yList.append(y); rhoList.append(1 / sy)
            }
            let fOld = fx
            swap(&x, &xTrial)
            swap(&g, &gTrial)
            fx = fNew
            if (fOld - fx) / max(abs(fOld), abs(fx), 1) <= functionTolerance {
                return Result(x: x, value: fx, iterations: iteration, evaluations: evaluations, termination: .functionTolerance)
            }
            if maxAbs(g) <= gradientTolerance {
                return Result(x: x, value: fx, iterations: iteration, evaluations: evaluations, termination: .gradientTolerance)
            }
        }
        return Result(x: x, value: fx, iterations: iteration, evaluations: evaluations, termination: .maxIterations)
    }

    /// Strong-Wolfe line search. On success `xTrial`/`gTrial` hold the accepted point.
    private func lineSearch(x: [Double], fx: Double, slope: Double, d: [Double], alpha0: Double,
                            xTrial: inout [Double], gTrial: inout [Double],
                            objective: ([Double], inout [Double]) -> Double) -> (value: Double?, evaluations: Int) {
        let c1 = 1e-4, c2 = 0.9
        var evaluations = 0
        var bestAlpha = 0.0, bestF = fx
        var bestG: [Double]? = nil
        func eval(_ alpha: Double) -> (f: Double, slope: Double) {
            for i in 0..<x.count { xTrial[i] = x[i] + alpha * d[i] }
            let f = objective(xTrial, &gTrial)
            evaluations += 1
            if f < bestF { bestF = f; bestAlpha = alpha; bestG = gTrial }
            return (f, dot(gTrial, d))
        }
        var aPrev = 0.0, fPrev = fx, dPrev = slope
        var a = alpha0
        var lo = 0.0, hi = 0.0, fLo = fx, fHi = fx, dLo = slope, dHi = slope
        var bracketed = false
        for i in 0..<maxLineSearchSteps {
            let (f, df) = eval(a)
            if !f.isFinite || f > fx + c1 * a * slope || (i > 0 && f >= fPrev) {
                lo = aPrev; fLo = fPrev; dLo = dPrev; hi = a; fHi = f; dHi = df
                bracketed = true
                break
            }
            if abs(df) <= -c2 * slope { return (f, evaluations) }
            if df >= 0 {
                lo = a; fLo = f; dLo = df; hi = aPrev; fHi = fPrev; dHi = dPrev
                bracketed = true
                break
            }
            aPrev = a; fPrev = f; dPrev = df
            a *= 2
        }
        if bracketed {
            for _ in 0..<maxLineSearchSteps {
                let aj = Self.interpolate(lo, fLo, dLo, hi, fHi, dHi)
                if abs(hi - lo) < 1e-16 * max(abs(lo), abs(hi), 1e-300) { break }
                let (f, df) = eval(aj)
                if !f.isFinite || f > fx + c1 * aj * slope || f >= fLo {
                    hi = aj; fHi = f; dHi = df
                } else {
                    if abs(df) <= -c2 * slope { return (f, evaluations) }
                    if df * (hi - lo) >= 0 { hi = lo; fHi = fLo; dHi = dLo }
                    lo = aj; fLo = f; dLo = df
                }
            }
        }
        // No Wolfe point found: fall back to the best sufficient decrease seen, if any.
        if bestAlpha > 0, bestF <= fx + c1 * bestAlpha * slope, let bg = bestG {
            for i in 0..<x.count { xTrial[i] = x[i] + bestAlpha * d[i] }
            gTrial = bg
            return (bestF, evaluations)
        }
        return (nil, evaluations)
    }

    /// Minimiser of the cubic through (a, fa, da), (b, fb, db), safeguarded to the
    /// inner 80 % of the interval (bisection when the cubic is not usable).
    static func interpolate(_ a: Double, _ fa: Double, _ da: Double, _ b: Double, _ fb: Double, _ db: Double) -> Double {
        let lower = min(a, b), upper = max(a, b), width = upper - lower
        var t = (a + b) / 2
        if fa.isFinite && fb.isFinite && da.isFinite && db.isFinite {
            let d1 = da + db - 3 * (fa - fb) / (a - b)
            let disc = d1 * d1 - da * db
            if disc >= 0 {
                let d2 = (b > a ? 1.0 : -1.0) * disc.squareRoot()
                let denom = db - da + 2 * d2
                if denom != 0 {
                    let c = b - (b - a) * (db + d2 - d1) / denom
                    if c.isFinite { t = c }
                }
            }
        }
        return min(max(t, lower + 0.1 * width), upper - 0.1 * width)
    }
}

@inline(__always) func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in 0..<a.count { s += a[i] * b[i] }
    return s
}

@inline(__always) func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
    for i in 0..<x.count { y[i] += alpha * x[i] }
}

@inline(__always) func maxAbs(_ a: [Double]) -> Double {
    var m = 0.0
    for v in a { m = max(m, abs(v)) }
    return m
}
