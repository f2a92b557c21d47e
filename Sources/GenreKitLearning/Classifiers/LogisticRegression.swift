import Foundation

/// L2-regularised logistic regression with scikit-learn's parameterisation, solved by L-BFGS.
///
/// With `K ≥ 3` classes present (multinomial, one weight vector per class):
///
///     minimise  C · Σ_i s_i [ logΣ_k exp(z_ik) − z_{i,y_i} ] + ½ ‖W‖²_F,   z_i = Wᵀx_i + b
///
/// and with exactly 2 classes present the binomial form scikit-learn ≥ 1.5 uses (a single
/// vector `w`, `z_i = wᵀx_i + b`, `p(class₁) = σ(z_i)`):
///
///     minimise  C · Σ_i s_i [ log(1 + e^{z_i}) − t_i z_i ] + ½ ‖w‖²,   t_i ∈ {0, 1}
///
/// The intercept `b` is not penalised; `s_i` = sample weight × class weight. As in
/// scikit-learn the solver works on the objective divided by `C · Σ s_i`, so
/// `tolerance` is the same "gtol" (`max |∇|` of the mean loss + `‖W‖²/(2 C Σs)`).
/// `X·W` and `Xᵀ·R` are BLAS `dgemm` calls.
///
/// Classes absent from the training labels get probability 0 (the model is fitted on the
/// present classes only; scikit-learn would not know them at all).
public struct LogisticRegression: Classifier {
    /// Inverse regularisation strength.
    public var c: Double
    /// Gradient tolerance of L-BFGS on the scaled objective (scikit-learn `tol`).
    public var tolerance: Double
    public var maxIterations: Int
    public var classWeighting: ClassWeighting
    public var fitIntercept: Bool

    public private(set) var classCount: Int = 0
    public private(set) var featureCount: Int = 0
    /// Classes present in the training labels, ascending (scikit-learn's `classes_`).
    public private(set) var fittedClasses: [Int] = []
    /// `m × d` weights, `m = fittedClasses.count`, or `1 × d` for the binomial case
    /// (scikit-learn's `coef_`).
    public private(set) var coefficients = Matrix(rows: 0, cols: 0)
    /// `m` (or 1) intercepts (scikit-learn's `intercept_`).
    public private(set) var intercepts: [Double] = []
    /// L-BFGS iterations of the last fit and why it stopped.
    public private(set) var iterations: Int = 0
    public private(set) var termination: LBFGS.Termination? = nil
    /// Loss/gradient evaluations of the last fit (each costs two `dgemm`s).
    public private(set) var evaluations: Int = 0

    /// - Parameters:
    ///   - c: inverse L2 strength (scikit-learn `C`).
    ///   - tolerance: L-BFGS gradient tolerance; scikit-learn's default is 1e-4, a tighter
    ///     value reaches the optimum more precisely.
    ///   - maxIterations: L-BFGS iteration cap (scikit-learn default 100).
    public init(c: Double = 1.0, tolerance: Double = 1e-6, maxIterations: Int = 1000,
                classWeighting: ClassWeighting = .none, fitIntercept: Bool = true) {
        self.c = c
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.classWeighting = classWeighting
        self.fitIntercept = fitIntercept
    }

    var isBinomial: Bool { fittedClasses.count == 2 }

    public mutating func fit(_ x: Matrix, labels: [Int], classCount: Int, sampleWeights: [Double]?) throws {
        try validateFitArguments(x, labels: labels, classCount: classCount, sampleWeights: sampleWeights)
        guard c > 0 else { throw LearningError.invalidArgument("C must be > 0") }
        let weights = classWeighting.effectiveSampleWeights(labels: labels, classCount: classCount, sampleWeights: sampleWeights)
        var present = Set<Int>()
        for (i, y) in labels.enumerated() where weights[i] > 0 { present.insert(y) }
        self.classCount = classCount
        featureCount = x.cols
        fittedClasses = present.sorted()
        iterations = 0
        termination = nil
        guard fittedClasses.count >= 2 else {
            coefficients = Matrix(rows: 0, cols: x.cols)
            intercepts = []
            return
        }
        let binomial = fittedClasses.count == 2
        let kc = binomial ? 1 : fittedClasses.count
        var position = [Int](repeating: -1, count: classCount)
        for (k, cl) in fittedClasses.enumerated() { position[cl] = k }
        let targets = labels.map { position[$0] }
        let loss = LogisticLoss(x: x, targets: targets, weights: weights, c: c,
                                outputs: kc, binomial: binomial, fitIntercept: fitIntercept)
        let solver = LBFGS(maxIterations: maxIterations, gradientTolerance: tolerance)
        let result = solver.minimize([Double](repeating: 0, count: loss.parameterCount)) { theta, grad in
            loss.evaluate(theta, &grad)
        }
        iterations = result.iterations
        evaluations = result.evaluations
        termination = result.termination
        let d = x.cols
        var coef = Matrix(rows: kc, cols: d)
        for j in 0..<d { for k in 0..<kc { coef[k, j] = result.x[j * kc + k] } }
        coefficients = coef
        intercepts = fitIntercept ? Array(result.x[(d * kc)...]) : [Double](repeating: 0, count: kc)
    }

    /// Raw scores `z = X Wᵀ + b`, `rows × m` (or `rows × 1` in the binomial case).
    public func decisionFunction(_ x: Matrix) -> Matrix {
        precondition(x.cols == featureCount, "LogisticRegression: \(x.cols) features, fitted on \(featureCount)")
        var z = Matrix.gemm(x, coefficients, transposeA: false, transposeB: true)
        let k = coefficients.rows
        for r in 0..<z.rows { for j in 0..<k { z.values[r * k + j] += intercepts[j] } }
        return z
    }

    /// Softmax (or logistic for two classes) probabilities, `rows × classCount`.
    public func predictProbabilities(_ x: Matrix) -> Matrix {
        var out = Matrix(rows: x.rows, cols: classCount)
        if fittedClasses.count == 1 {
            for r in 0..<x.rows { out[r, fittedClasses[0]] = 1 }
            return out
        }
        guard fittedClasses.count >= 2 else { return out }
        let z = decisionFunction(x)
        if isBinomial {
            for r in 0..<x.rows {
                let p1 = sigmoid(z.values[r])
                out[r, fittedClasses[0]] = 1 - p1
                out[r, fittedClasses[1]] = p1
            }
        } else {
            let k = fittedClasses.count
            for r in 0..<x.rows {
                var m = -Double.infinity
                for j in 0..<k { m = max(m, z.values[r * k + j]) }
                var s = 0.0
                var e = [Double](repeating: 0, count: k)
                for j in 0..<k { e[j] = exp(z.values[r * k + j] - m); s += e[j] }
                for j in 0..<k { out[r, fittedClasses[j]] = e[j] / s }
            }
        }
        return out
    }
}

@inline(__always) func sigmoid(_ z: Double) -> Double {
    z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
}

/// Scaled objective `(1/S) Σ s_i ℓ_i + ‖W‖² / (2 C S)` and its gradient; parameters are
/// `W` (`d × outputs`, row-major) followed by the `outputs` intercepts.
final class LogisticLoss {
    let x: Matrix
    let targets: [Int]
    let weights: [Double]
    let outputs: Int
    let binomial: Bool
    let fitIntercept: Bool
    let sumWeights: Double
    let l2: Double
    private var z: [Double]
    private var residual: [Double]

    init(x: Matrix, targets: [Int], weights: [Double], c: Double, outputs: Int, binomial: Bool, fitIntercept: Bool) {
        self.x = x
        self.targets = targets
        self.weights = weights
        self.outputs = outputs
        self.binomial = binomial
        self.fitIntercept = fitIntercept
        sumWeights = weights.reduce(0, +)
        l2 = 1 / (c * sumWeights)
        z = [Double](repeating: 0, count: x.rows * outputs)
        residual = z
    }

    var parameterCount: Int { x.cols * outputs + (fitIntercept ? outputs : 0) }

    func evaluate(_ theta: [Double], _ grad: inout [Double]) -> Double {
        let n = x.rows, d = x.cols, k = outputs
        Matrix.gemm(false, false, n, k, d, x.values, d, theta, k, &z, k, 0)      // Z = X W
        let interceptOffset = d * k
        var loss = 0.0
        let invS = 1 / sumWeights
        z.withUnsafeMutableBufferPointer { pz in
            residual.withUnsafeMutableBufferPointer { pr in
                if fitIntercept {
                    for i in 0..<n { for j in 0..<k { pz[i * k + j] += theta[interceptOffset + j] } }
                }
                if binomial {
                    for i in 0..<n {
                        let zi = pz[i], t = Double(targets[i]), w = weights[i]
                        // log(1 + e^z) − t z, computed stably.
                        loss += w * (max(zi, 0) + log1p(exp(-abs(zi))) - t * zi)
                        pr[i] = w * invS * (sigmoid(zi) - t)
                    }
                } else {
                    for i in 0..<n {
                        let base = i * k
                        var m = -Double.infinity
                        for j in 0..<k { m = max(m, pz[base + j]) }
                        var s = 0.0
                        for j in 0..<k {
                            let e = exp(pz[base + j] - m)
                            pr[base + j] = e
                            s += e
                        }
                        let lse = m + log(s)
                        let w = weights[i], y = targets[i]
                        loss += w * (lse - pz[base + y])
                        let scale = w * invS / s
                        for j in 0..<k { pr[base + j] *= scale }
                        pr[base + y] -= w * invS
                    }
                }
            }
        }
        var penalty = 0.0
        for p in 0..<(d * k) { penalty += theta[p] * theta[p] }
        if grad.count != theta.count { grad = [Double](repeating: 0, count: theta.count) }
        // ∇W = Xᵀ R + l2 · W
        grad.replaceSubrange(0..<(d * k), with: theta[0..<(d * k)])
        Matrix.gemm(true, false, d, k, n, x.values, d, residual, k, &grad, k, l2)
        if fitIntercept {
            residual.withUnsafeBufferPointer { pr in
                grad.withUnsafeMutableBufferPointer { pg in
                    for j in 0..<k { pg[interceptOffset + j] = 0 }
                    for i in 0..<n { for j in 0..<k { pg[interceptOffset + j] += pr[i * k + j] } }
                }
            }
        }
        return loss * invS + 0.5 * l2 * penalty
    }
}
