import Foundation

/// C-support-vector classifier trained with libsvm (C-SVC, one-vs-one), as scikit-learn's `SVC`.
///
/// Training: libsvm's SMO solver on the rows sorted by label (scikit-learn's libsvm
/// groups classes the same way), so support vectors, dual coefficients and `ρ` — and
/// therefore decision values and predicted labels — agree with scikit-learn up to rounding.
/// Kernels: linear `K(x, x') = xᵀx'`; RBF `K(x, x') = exp(−γ ‖x − x'‖²)` with
/// `γ = 1 / (d · Var(X))` for `.scale` (variance over all elements of the training
/// matrix; 1 if it is 0), `1/d` for `.auto`.
///
/// After training the model lives in Swift arrays (Codable); prediction is a Swift port of
/// `svm_predict_values` / `svm_predict_probability` (kernel values via BLAS):
/// `f_ij(x) = Σ_{s∈SV_i} α_s^{(j)} K(x, s) + Σ_{s∈SV_j} α_s^{(i)} K(x, s) − ρ_ij` for classes
/// `i < j` (positive favours `i`); the label is the one-vs-one vote winner (first on ties).
/// Probabilities: pairwise `r_ij = clip(1 / (1 + exp(A_ij f_ij + B_ij)), 1e-7, 1 − 1e-7)`
/// coupled by Wu–Lin–Weng's method 2 (libsvm's `multiclass_probability`); with two classes
/// `p = (r₀₁, r₁₀)` directly, as libsvm 3.24 does.
///
/// Platt's `A`, `B` come from libsvm's internal 5-fold cross-validation with random folds
/// (`rand()`, seeded with `srand(seed)` before training). scikit-learn draws those folds with
/// its own generator, so probabilities match scikit-learn only approximately; given the
/// same `A`, `B` the coupling is identical (see tests).
///
/// Per-sample weights are not supported by Debian's libsvm (scikit-learn ships a patched
/// copy): `fit` accepts only uniform weights (folded into `C`); use `classWeighting`.
public struct SupportVectorMachine: Classifier {
    public enum Kernel: String, Codable, Sendable { case linear, rbf }
    public enum Gamma: Codable, Equatable, Sendable {
        /// `1 / (d · Var(X))`, scikit-learn's default.
        case scale
        /// `1 / d`.
        case auto
        case value(Double)
        /// A multiple of ``scale``: `factor / (d · Var(X))`, for grids around scikit-learn's default.
        case scaleTimes(Double)
    }

    public var c: Double
    public var kernel: Kernel
    public var gamma: Gamma
    /// Fit Platt scaling (libsvm `-b 1`); without it `predictProbabilities` is one-hot votes.
    public var probability: Bool
    public var classWeighting: ClassWeighting
    /// Solver stopping tolerance (libsvm `eps`, scikit-learn `tol`).
    public var tolerance: Double
    public var cacheSizeMB: Double
    public var shrinking: Bool
    /// Seed for `srand` before training (probability cross-validation folds).
    public var seed: UInt32
    /// Train on a kernel matrix computed with one BLAS product (libsvm's precomputed kernel, up to
    /// ``maxPrecomputedRows`` rows) instead of libsvm's feature-by-feature sums: many times faster on dense features
    /// such as network embeddings, and the same model up to the rounding of kernel values (support vectors are the
    /// training rows either way). A fitting option only: model files do not store it.
    public var precomputedKernel: Bool = false

    /// The most training rows ``precomputedKernel`` applies to: libsvm holds the kernel as `n²` 16-byte nodes
    /// (144 MB for 3,000 rows); larger sets train on their features.
    public static let maxPrecomputedRows = 3_000

    private enum CodingKeys: String, CodingKey {
        case c, kernel, gamma, probability, classWeighting, tolerance, cacheSizeMB, shrinking, seed
        case classCount, featureCount, gammaValue, fittedClasses, supportVectors, supportCounts, supportIndices
        case dualCoefficients, rho, probA, probB
    }

    public private(set) var classCount: Int = 0
    public private(set) var featureCount: Int = 0
    /// The γ actually used (0 for the linear kernel).
    public private(set) var gammaValue: Double = 0
    /// Classes present in training, ascending (libsvm labels).
    public private(set) var fittedClasses: [Int] = []
    /// Support vectors, grouped by class (`l × d`).
    public private(set) var supportVectors = Matrix(rows: 0, cols: 0)
    /// Number of support vectors per fitted class (scikit-learn `n_support_`).
    public private(set) var supportCounts: [Int] = []
    /// Training-row index of each support vector (scikit-learn `support_`, in SV order).
    public private(set) var supportIndices: [Int] = []
    /// `(m − 1) × l` dual coefficients (libsvm `sv_coef`, scikit-learn `dual_coef_`).
    public private(set) var dualCoefficients = Matrix(rows: 0, cols: 0)
    /// `ρ` per class pair (scikit-learn `intercept_ = −ρ`).
    public private(set) var rho: [Double] = []
    /// Platt parameters per class pair (scikit-learn `probA_`, `probB_`).
    public private(set) var probA: [Double] = []
    public private(set) var probB: [Double] = []

    public init(kernel: Kernel = .rbf, c: Double = 1.0, gamma: Gamma = .scale, probability: Bool = true,
                classWeighting: ClassWeighting = .none, tolerance: Double = 1e-3,
                cacheSizeMB: Double = 200, shrinking: Bool = true, seed: UInt32 = 0, precomputedKernel: Bool = false) {
        self.precomputedKernel = precomputedKernel
        self.kernel = kernel
        self.c = c
        self.gamma = gamma
        self.probability = probability
        self.classWeighting = classWeighting
        self.tolerance = tolerance
        self.cacheSizeMB = cacheSizeMB
        self.shrinking = shrinking
        self.seed = seed
    }

    public mutating func fit(_ x: Matrix, labels: [Int], classCount: Int, sampleWeights: [Double]?) throws {
        _ = try fitReturningLibSVMModel(x, labels: labels, classCount: classCount, sampleWeights: sampleWeights)
    }

    /// Fits and hands back the live libsvm model (tests compare it with the Swift port).
    mutating func fitReturningLibSVMModel(_ x: Matrix, labels: [Int], classCount: Int,
                                          sampleWeights: [Double]?) throws -> LibSVMModel? {
        try validateFitArguments(x, labels: labels, classCount: classCount, sampleWeights: sampleWeights)
        var cScale = 1.0
        if let w = sampleWeights, let first = w.first {
            guard w.allSatisfy({ $0 == first }) else {
                throw LearningError.unsupported("per-sample weights with libsvm; use classWeighting")
            }
            cScale = first
        }
        let gamma = resolvedGamma(x)
        if precomputedKernel && x.rows <= Self.maxPrecomputedRows {
            let gram = PreparedFold(x: x, train: Array(0..<x.rows), test: [], scaler: nil, pca: nil, withGram: true)
            return try train(labels: labels, classCount: classCount, sampleWeights: sampleWeights, cScale: cScale,
                             features: x, gamma: gamma, precomputed: true) {
                try LibSVMModel(precomputedRows: x.rows, labels: labels, parameters: $0) { gram.kernelRow($0, gamma: gamma, into: $1) }
            }
        }
        return try train(labels: labels, classCount: classCount, sampleWeights: sampleWeights, cScale: cScale,
                         features: x, gamma: gamma) { try LibSVMModel(x: x, labels: labels, parameters: $0) }
    }

    /// Fits on a precomputed kernel instead of features (model selection: libsvm looks kernel values up instead of
    /// summing over 753 features). `kernel(i, row)` writes `K(x_i, x_j)` for every training row `j`; `gamma` is the
    /// γ those values were computed with (0 for the linear kernel). The fitted model keeps no support-vector
    /// features: predict with ``decisionValues(rows:kernelBlock:)`` on kernel values against the training rows
    /// `supportIndices`. Probability estimates are never fitted here (see `probability`).
    mutating func fitPrecomputedKernel(rows n: Int, labels: [Int], classCount: Int, gamma: Double,
                                       kernel: (Int, UnsafeMutableBufferPointer<Double>) -> Void) throws {
        guard labels.count == n else { throw LearningError.shapeMismatch("\(n) kernel rows but \(labels.count) labels") }
        let withProbability = probability
        probability = false
        defer { probability = withProbability }
        _ = try train(labels: labels, classCount: classCount, sampleWeights: nil, cScale: 1, features: nil, gamma: gamma) {
            try LibSVMModel(precomputedRows: n, labels: labels, parameters: $0, kernel: kernel)
        }
    }

    /// Trains through `makeHandle` and copies the libsvm model into Swift arrays (support-vector rows only when
    /// `features` are given).
    private mutating func train(labels: [Int], classCount: Int, sampleWeights: [Double]?, cScale: Double, features: Matrix?,
                                gamma: Double, precomputed: Bool = false,
                                makeHandle: (LibSVMModel.Parameters) throws -> LibSVMModel) throws -> LibSVMModel? {
        self.classCount = classCount
        featureCount = features?.cols ?? 0
        fittedClasses = Array(Set(labels)).sorted()
        gammaValue = gamma
        guard fittedClasses.count >= 2 else {
            supportVectors = Matrix(rows: 0, cols: featureCount)
            supportCounts = []; supportIndices = []; rho = []; probA = []; probB = []
            dualCoefficients = Matrix(rows: 0, cols: 0)
            return nil
        }
        let cw = classWeighting.classWeights(labels: labels, classCount: classCount, sampleWeights: sampleWeights)
        let weights: [(label: Int, weight: Double)] =
            classWeighting == .none ? [] : fittedClasses.map { (label: $0, weight: cw[$0]) }
        let handle = try makeHandle(.init(
            linear: kernel == .linear, gamma: gammaValue, c: c * cScale, tolerance: tolerance,
            cacheSizeMB: cacheSizeMB, shrinking: shrinking, probability: probability,
            classWeights: weights, seed: seed))
        guard let model = handle.model?.pointee else { throw LearningError.libsvm("svm_train returned no model") }
        let m = Int(model.nr_class), l = Int(model.l)
        fittedClasses = (0..<m).map { Int(model.label[$0]) }
        supportCounts = (0..<m).map { Int(model.nSV[$0]) }
        supportIndices = (0..<l).map { handle.problemOrder[Int(model.sv_indices[$0]) - 1] }
        if let x = features, precomputed {
            supportVectors = x.selectingRows(supportIndices)   // libsvm's SV rows hold kernel values here
        } else if let x = features {
            var sv = Matrix(rows: l, cols: x.cols)
            for s in 0..<l {
                guard let nodes = model.SV[s] else { continue }
                var t = 0
                while nodes[t].index != -1 {
                    sv[s, Int(nodes[t].index) - 1] = nodes[t].value
                    t += 1
                }
            }
            supportVectors = sv
        } else {
            supportVectors = Matrix(rows: 0, cols: 0)
        }
        var coef = Matrix(rows: m - 1, cols: l)
        for k in 0..<(m - 1) { for s in 0..<l { coef[k, s] = model.sv_coef[k]![s] } }
        dualCoefficients = coef
        let pairs = m * (m - 1) / 2
        rho = (0..<pairs).map { model.rho[$0] }
        if probability, let a = model.probA, let b = model.probB {
            probA = (0..<pairs).map { a[$0] }
            probB = (0..<pairs).map { b[$0] }
        } else {
            probA = []; probB = []
        }
        return handle
    }

    /// The γ this model uses on training matrix `x` (0 for the linear kernel).
    func resolvedGamma(_ x: Matrix) -> Double {
        switch (kernel, gamma) {
        case (.linear, _): return 0
        case (.rbf, .value(let g)): return g
        case (.rbf, .auto): return 1 / Double(x.cols)
        case (.rbf, .scale), (.rbf, .scaleTimes):
            let n = Double(x.values.count)
            let mean = x.values.reduce(0, +) / n
            let variance = x.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
            let factor: Double = { if case .scaleTimes(let f) = gamma { return f } else { return 1 } }()
            return factor * (variance != 0 ? 1 / (Double(x.cols) * variance) : 1)
        }
    }

    /// One-vs-one decision values `f_ij`, `rows × m(m−1)/2`, pairs `(0,1), (0,2), …, (m−2,m−1)`
    /// over `fittedClasses`; positive favours the first class of the pair. Equals scikit-learn's
    /// `SVC(decision_function_shape='ovo').decision_function` for ≥ 3 classes; for 2 classes
    /// scikit-learn returns the negation (positive favours the second class).
    public func decisionValues(_ x: Matrix) -> Matrix {
        precondition(x.cols == featureCount, "SupportVectorMachine: \(x.cols) features, fitted on \(featureCount)")
        return decisionValues(rows: x.rows) { kernelMatrix(x.selectingRows($0)) }
    }

    /// Decision values of `rows` query rows from their kernel values against the support vectors, asked for in
    /// blocks of up to 256 rows (`kernelBlock(range)` returns `range.count × l`, support vectors in model order).
    func decisionValues(rows: Int, kernelBlock: (Range<Int>) -> Matrix) -> Matrix {
        let m = fittedClasses.count, l = supportCounts.reduce(0, +)
        let pairs = m * (m - 1) / 2
        var out = Matrix(rows: rows, cols: pairs)
        guard m >= 2 else { return out }
        var start = [Int](repeating: 0, count: m)
        for i in 1..<m { start[i] = start[i - 1] + supportCounts[i - 1] }
        let block = 256  // rows per kernel block (bounds memory at block × l)
        var kernelValues = Matrix(rows: 0, cols: 0)
        for r in 0..<rows {
            if r % block == 0 { kernelValues = kernelBlock(r..<min(r + block, rows)) }
            let rb = r % block
            var p = 0
            for i in 0..<m {
                for j in (i + 1)..<m {
                    var sum = 0.0
                    let si = start[i], sj = start[j]
                    for k in 0..<supportCounts[i] { sum += dualCoefficients[j - 1, si + k] * kernelValues.values[rb * l + si + k] }
                    for k in 0..<supportCounts[j] { sum += dualCoefficients[i, sj + k] * kernelValues.values[rb * l + sj + k] }
                    out[r, p] = sum - rho[p]
                    p += 1
                }
            }
        }
        return out
    }

    /// Kernel values between query rows and support vectors (`rows × l`): one BLAS `dgemm`
    /// for the dot products; RBF uses `‖x − s‖² = ‖x‖² + ‖s‖² − 2xᵀs` (clipped at 0). This
    /// differs from libsvm's feature-by-feature sums only by rounding (~1e-15 in the tests).
    func kernelMatrix(_ x: Matrix) -> Matrix {
        var k = Matrix.gemm(x, supportVectors, transposeA: false, transposeB: true)
        guard kernel == .rbf else { return k }
        let l = supportVectors.rows
        let xNorms = rowSquaredNorms(x), sNorms = rowSquaredNorms(supportVectors)
        for r in 0..<x.rows {
            for s in 0..<l {
                let d2 = max(xNorms[r] + sNorms[s] - 2 * k.values[r * l + s], 0)
                k.values[r * l + s] = exp(-gammaValue * d2)
            }
        }
        return k
    }

    /// One-vs-one vote winner per row (libsvm `svm_predict`; scikit-learn's `SVC.predict`
    /// also votes, even when `probability=True`).
    public func predict(_ x: Matrix) -> [Int] {
        if fittedClasses.count == 1 { return [Int](repeating: fittedClasses[0], count: x.rows) }
        return votes(decisionValues(x))
    }

    /// The one-vs-one vote winner of each row of decision values (first class on ties).
    func votes(_ dec: Matrix) -> [Int] {
        let m = fittedClasses.count
        return (0..<dec.rows).map { r in
            var votes = [Int](repeating: 0, count: m)
            var p = 0
            for i in 0..<m {
                for j in (i + 1)..<m {
                    if dec[r, p] > 0 { votes[i] += 1 } else { votes[j] += 1 }
                    p += 1
                }
            }
            var best = 0
            for i in 1..<m where votes[i] > votes[best] { best = i }
            return fittedClasses[best]
        }
    }

    /// Platt-scaled, coupled probabilities `rows × classCount` (absent classes 0). Without
    /// `probability` the row is one-hot on `predict`.
    public func predictProbabilities(_ x: Matrix) -> Matrix {
        var out = Matrix(rows: x.rows, cols: classCount)
        if fittedClasses.count == 1 {
            for r in 0..<x.rows { out[r, fittedClasses[0]] = 1 }
            return out
        }
        guard !probA.isEmpty else {
            for (r, c) in predict(x).enumerated() { out[r, c] = 1 }
            return out
        }
        let dec = decisionValues(x)
        for r in 0..<x.rows {
            let p = SupportVectorMachine.coupledProbabilities(decision: dec.row(r), probA: probA, probB: probB,
                                                              classCount: fittedClasses.count)
            for (k, cl) in fittedClasses.enumerated() { out[r, cl] = p[k] }
        }
        return out
    }

    /// libsvm's probability estimate from one row of one-vs-one decision values.
    public static func coupledProbabilities(decision: [Double], probA: [Double], probB: [Double], classCount k: Int) -> [Double] {
        let minProb = 1e-7
        var r = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        var p = 0
        for i in 0..<k {
            for j in (i + 1)..<k {
                let fApB = decision[p] * probA[p] + probB[p]
                let s = fApB >= 0 ? exp(-fApB) / (1 + exp(-fApB)) : 1 / (1 + exp(fApB))
                r[i][j] = min(max(s, minProb), 1 - minProb)
                r[j][i] = 1 - r[i][j]
                p += 1
            }
        }
        // libsvm ≥ 3.22 returns the Platt estimate itself for two classes; scikit-learn's
        // older bundled libsvm runs the coupling iteration there too (differences ≤ ~1e-3).
        if k == 2 { return [r[0][1], r[1][0]] }
        return multiclassProbability(k, r)
    }

    /// Wu, Lin & Weng (2004) method 2, as libsvm's `multiclass_probability`.
    static func multiclassProbability(_ k: Int, _ r: [[Double]]) -> [Double] {
        var p = [Double](repeating: 1 / Double(k), count: k)
        var q = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for t in 0..<k {
            for j in 0..<t {
                q[t][t] += r[j][t] * r[j][t]
                q[t][j] = q[j][t]
            }
            for j in (t + 1)..<max(k, t + 1) {
                q[t][t] += r[j][t] * r[j][t]
                q[t][j] = -r[j][t] * r[t][j]
            }
        }
        let maxIter = max(100, k), eps = 0.005 / Double(k)
        var qp = [Double](repeating: 0, count: k)
        for _ in 0..<maxIter {
            var pQp = 0.0
            for t in 0..<k {
                qp[t] = 0
                for j in 0..<k { qp[t] += q[t][j] * p[j] }
                pQp += p[t] * qp[t]
            }
            var maxError = 0.0
            for t in 0..<k { maxError = max(maxError, abs(qp[t] - pQp)) }
            if maxError < eps { break }
            for t in 0..<k {
                let diff = (-qp[t] + pQp) / q[t][t]
                p[t] += diff
                pQp = (pQp + diff * (diff * q[t][t] + 2 * qp[t])) / (1 + diff) / (1 + diff)
                for j in 0..<k {
                    qp[j] = (qp[j] + diff * q[t][j]) / (1 + diff)
                    p[j] /= (1 + diff)
                }
            }
        }
        return p
    }
}
