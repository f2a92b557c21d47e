import XCTest
@testable import GenreKitLearning

final class SupportVectorMachineTests: XCTestCase {
    func testDecisionValuesAndLabelsMatchSklearn() throws {
        let (xTrain, yTrain, xTest, _) = try Fixture.data()
        let ref = dict(try Fixture.load("learning_models")["svc"])
        var scaler = StandardScaler()
        let zTrain = scaler.fitTransform(xTrain), zTest = scaler.transform(xTest)
        for kernel in [SupportVectorMachine.Kernel.linear, .rbf] {
            let r = dict(ref[kernel.rawValue])
            var m = SupportVectorMachine(kernel: kernel, c: 1)
            guard let live = try m.fitReturningLibSVMModel(zTrain, labels: yTrain, classCount: 4, sampleWeights: nil) else {
                return XCTFail("no libsvm model")
            }
            XCTAssertEqual(m.supportCounts, ints(r["n_support"]))
            if kernel == .rbf { XCTAssertEqual(m.gammaValue, double(r["gamma"]), accuracy: 1e-15) }
            let dec = m.decisionValues(zTest)
            let dDec = maxDiff(dec, matrix(r["decision_ovo"]))
            let dRho = maxDiff(m.rho.map { -$0 }, doubles(r["intercept"]))
            XCTAssertEqual(m.predict(zTest), ints(r["pred"]))

            // The Swift port against libsvm's own predict functions on the live model.
            let c = live.libsvmPredictions(zTest)
            let dPortDec = maxDiff(dec, c.decision)
            let portDecBound = portDecisionBound(m, zTest)
            // The coupling (an iterative solve with a stopping test, not continuous in its input) is checked on
            // libsvm's own decision values: same inputs, same operations, so no BLAS dependence.
            var portCoupled = Matrix(rows: c.decision.rows, cols: 4)
            for i in 0..<c.decision.rows {
                let p = SupportVectorMachine.coupledProbabilities(decision: c.decision.row(i), probA: m.probA, probB: m.probB, classCount: 4)
                for k in 0..<4 { portCoupled[i, k] = p[k] }
            }
            let dPortProb = maxDiff(portCoupled, c.probabilities!)
            XCTAssertEqual(m.predict(zTest), c.labels)

            // Platt coupling fed with scikit-learn's probA/probB and decision values.
            let skDec = matrix(r["decision_ovo"]), skProb = matrix(r["proba"])
            var coupled = Matrix(rows: skDec.rows, cols: 4)
            for i in 0..<skDec.rows {
                let p = SupportVectorMachine.coupledProbabilities(decision: skDec.row(i), probA: doubles(r["probA"]),
                                                                  probB: doubles(r["probB"]), classCount: 4)
                for k in 0..<4 { coupled[i, k] = p[k] }
            }
            let dCoupling = maxDiff(coupled, skProb)
            let dOwnProb = maxDiff(m.predictProbabilities(zTest), skProb)
            let dProbA = maxDiff(m.probA, doubles(r["probA"]))
            print("PARITY SVC \(kernel): decision \(dDec) intercept \(dRho) | port vs libsvm: decision \(dPortDec) (derived bound \(portDecBound.values.min()!)…\(portDecBound.values.max()!)) proba \(dPortProb) | coupling(sklearn A,B) \(dCoupling) | own proba vs sklearn \(dOwnProb) (probA diff \(dProbA))")
            XCTAssertLessThan(dDec, 1e-6)
            XCTAssertLessThanOrEqual(excessOverBound(dec, c.decision, portDecBound), 0, "decision values beyond the derived bound")
            XCTAssertLessThan(dPortProb, 1e-12)
            XCTAssertLessThan(dCoupling, 1e-12)
            XCTAssertLessThan(dOwnProb, 0.1)
        }
    }

    func testBalancedClassWeightsMatchSklearn() throws {
        let (xTrain, yTrain, xTest, _) = try Fixture.data()
        let r = dict(dict(try Fixture.load("learning_models")["svc"])["rbf_balanced"])
        var scaler = StandardScaler()
        let zTrain = scaler.fitTransform(xTrain), zTest = scaler.transform(xTest)
        let keep = ints(r["keep"])
        var m = SupportVectorMachine(kernel: .rbf, probability: false, classWeighting: .balanced)
        try m.fit(zTrain.selectingRows(keep), labels: keep.map { yTrain[$0] }, classCount: 4)
        let d = maxDiff(m.decisionValues(zTest), matrix(r["decision_ovo"]))
        print("PARITY SVC rbf class_weight=balanced: decision \(d)")
        XCTAssertEqual(m.supportCounts, ints(r["n_support"]))
        XCTAssertEqual(m.predict(zTest), ints(r["pred"]))
        XCTAssertLessThan(d, 1e-6)
    }

    func testBinaryRBFOnRawFeatures() throws {
        let (xTrain, yTrain, xTest, _) = try Fixture.data()
        let r = dict(dict(try Fixture.load("learning_models")["svc"])["binary_rbf_raw"])
        let keep = ints(r["keep"])
        var m = SupportVectorMachine(kernel: .rbf, probability: false)
        guard let live = try m.fitReturningLibSVMModel(xTrain.selectingRows(keep), labels: keep.map { yTrain[$0] },
                                                       classCount: 2, sampleWeights: nil) else { return XCTFail() }
        XCTAssertEqual(m.gammaValue, double(r["gamma"]), accuracy: 1e-15)
        // scikit-learn negates the binary decision function (positive → class 1).
        let d = maxDiff(m.decisionValues(xTest).values.map { -$0 }, doubles(r["decision"]))
        print("PARITY SVC binary rbf raw: decision \(d)")
        XCTAssertLessThan(d, 1e-6)
        XCTAssertEqual(m.predict(xTest), ints(r["pred"]))
        XCTAssertEqual(m.predict(xTest), live.libsvmPredictions(xTest).labels)
        // Without Platt scaling the probabilities are one-hot votes.
        XCTAssertEqual(m.predictProbabilities(xTest).argmaxPerRow(), m.predict(xTest))
    }

    func testBinaryProbabilitiesMatchLibsvm() throws {
        let (xTrain, yTrain, xTest, _) = try Fixture.data()
        let keep = yTrain.indices.filter { yTrain[$0] < 2 }
        var m = SupportVectorMachine(kernel: .linear)
        guard let live = try m.fitReturningLibSVMModel(xTrain.selectingRows(keep), labels: keep.map { yTrain[$0] },
                                                       classCount: 2, sampleWeights: nil) else { return XCTFail() }
        // Two classes: p₀ = clamp(σ(−(f·A + B))), p₁ = 1 − p₀ on both sides (no iterative coupling). The decision f
        // goes through dgemm (bound above); σ is 1/4-Lipschitz, and each side rounds fl(fl(f·A) + B) (γ₂·(|f·A| + |B|)),
        // exp (< 1 ulp), one addition, one division and 1 − p₀: per side ≤ γ₂·(|f·A| + |B|)/4 + 6u.
        let u = 0x1p-53, gamma2 = 2 * u / (1 - 2 * u)
        let f = m.decisionValues(xTest), fBound = portDecisionBound(m, xTest)
        let a = m.probA[0], b = m.probB[0]
        var bound = Matrix(rows: xTest.rows, cols: 2)
        for r in 0..<xTest.rows {
            let e = abs(a) / 4 * fBound[r, 0] + 2 * (gamma2 * (abs(f[r, 0] * a) + abs(b)) / 4 + 6 * u)
            bound[r, 0] = e; bound[r, 1] = e
        }
        XCTAssertLessThanOrEqual(excessOverBound(m.predictProbabilities(xTest), live.libsvmPredictions(xTest).probabilities!, bound), 0)
    }

    func testClassWeightsAbsentClassAndCodable() throws {
        let (xTrain, yTrain, xTest, _) = try Fixture.data()
        var m = SupportVectorMachine(kernel: .rbf, classWeighting: .balanced)
        let keep = yTrain.indices.filter { yTrain[$0] != 2 || $0 % 4 == 0 }
        try m.fit(xTrain.selectingRows(keep), labels: keep.map { yTrain[$0] }, classCount: 5)
        XCTAssertEqual(m.fittedClasses, [0, 1, 2, 3])
        let p = m.predictProbabilities(xTest)
        XCTAssertEqual(p.cols, 5)
        XCTAssertTrue(p.column(4).allSatisfy { $0 == 0 })
        for r in 0..<p.rows { XCTAssertEqual(p.row(r).reduce(0, +), 1, accuracy: 1e-9) }
        let back = try JSONDecoder().decode(SupportVectorMachine.self, from: JSONEncoder().encode(m))
        XCTAssertEqual(back.predictProbabilities(xTest), p)
        XCTAssertThrowsError(try m.fit(xTrain, labels: yTrain, classCount: 4,
                                       sampleWeights: (0..<xTrain.rows).map { Double($0 % 2 + 1) }))
    }
}

/// Derived bound on |port − libsvm| for every one-vs-one decision value of `x` (float64, u = 2⁻⁵³,
/// γ_n = n·u/(1 − n·u)). The port's kernel dot products are one BLAS `dgemm` (summation order set by the
/// OpenBLAS kernel and the matrix shape), libsvm's are sequential loops; everything after the kernel values
/// runs in the same order on both sides.
/// * linear: each side's `xᵀs` is within `γ_d·Σ|x_i·s_i|` of the exact value → `|ΔK| ≤ 2γ_d·Σ|x_i·s_i|`;
/// * RBF: the port's `‖x‖² + ‖s‖² − 2xᵀs` is within `γ_{d+2}·(‖x‖² + ‖s‖² + 2Σ|x_i·s_i|)` of `‖x − s‖²`,
///   libsvm's `Σ(x_i − s_i)²` (3.x; 2.x used the port's form) within `γ_{d+1}·Σ(x_i − s_i)²`, which is at most the
///   port's bound, so both are charged `γ_{d+2}·(‖x‖² + ‖s‖² + 2Σ|x_i·s_i|)`; `fl(−g·d²)` adds `u·g·d²` per side, `exp`
///   (glibc, < 1 ulp) `2u·K` per side, and `|e^{−a} − e^{−b}| ≤ |a − b|` for `a, b ≥ 0`;
/// * decision `Σ α_k·K_k − ρ` (same order both sides, different inputs):
///   `Σ|α_k|·|ΔK_k| + 2γ_{l+1}·(Σ|α_k·K_k| + |ρ|)`.
func portDecisionBound(_ m: SupportVectorMachine, _ x: Matrix) -> Matrix {
    let u = 0x1p-53
    func gamma(_ n: Int) -> Double { Double(n) * u / (1 - Double(n) * u) }
    let sv = m.supportVectors, d = x.cols, l = sv.rows, classes = m.fittedClasses.count
    var start = [Int](repeating: 0, count: classes)
    for i in 1..<classes { start[i] = start[i - 1] + m.supportCounts[i - 1] }
    let kernel = m.kernelMatrix(x)
    var out = Matrix(rows: x.rows, cols: classes * (classes - 1) / 2)
    for r in 0..<x.rows {
        let dK: [Double] = (0..<l).map { s in
            var absDot = 0.0, xx = 0.0, ss = 0.0, diff2 = 0.0
            for c in 0..<d {
                let a = x[r, c], b = sv[s, c]
                absDot += abs(a * b); xx += a * a; ss += b * b; diff2 += (a - b) * (a - b)
            }
            switch m.kernel {
            case .linear: return 2 * gamma(d) * absDot
            case .rbf:
                let g = m.gammaValue
                let dd2 = 2 * gamma(d + 2) * (xx + ss + 2 * absDot)
                return g * (dd2 + 2 * u * (diff2 + dd2)) + 4 * u * kernel[r, s]
            }
        }
        var p = 0
        for i in 0..<classes {
            for j in (i + 1)..<classes {
                var propagated = 0.0, magnitude = abs(m.rho[p])
                let terms = [(j - 1, start[i], m.supportCounts[i]), (i, start[j], m.supportCounts[j])]
                for (row, first, count) in terms {
                    for k in first..<(first + count) {
                        let alpha = abs(m.dualCoefficients[row, k])
                        propagated += alpha * dK[k]
                        magnitude += alpha * abs(kernel[r, k])
                    }
                }
                out[r, p] = propagated + 2 * gamma(m.supportCounts[i] + m.supportCounts[j] + 1) * magnitude
                p += 1
            }
        }
    }
    return out
}

/// max over entries of |a − b| − bound (≤ 0 when every entry is within its bound).
func excessOverBound(_ a: Matrix, _ b: Matrix, _ bound: Matrix) -> Double {
    var worst = -Double.infinity
    for i in a.values.indices { worst = max(worst, abs(a.values[i] - b.values[i]) - bound.values[i]) }
    return worst
}

extension SupportVectorMachineTests {
    /// Trained on a precomputed kernel (model selection's path), the SVM has scikit-learn's support counts and
    /// decision values to the same tolerance as when trained on features.
    func testPrecomputedKernelMatchesSklearn() throws {
        let (xTrain, yTrain, xTest, _) = try Fixture.data()
        let ref = dict(try Fixture.load("learning_models")["svc"])
        var scaler = StandardScaler()
        let zTrain = scaler.fitTransform(xTrain), zTest = scaler.transform(xTest)
        for kernel in [SupportVectorMachine.Kernel.linear, .rbf] {
            let r = dict(ref[kernel.rawValue])
            var m = SupportVectorMachine(kernel: kernel, c: 1)
            let gamma = m.resolvedGamma(zTrain)
            let fold = PreparedFold(x: Matrix(rows: zTrain.rows + zTest.rows, cols: zTrain.cols, values: zTrain.values + zTest.values),
                                    train: Array(0..<zTrain.rows), test: Array(zTrain.rows..<(zTrain.rows + zTest.rows)),
                                    scaler: nil, pca: nil, withGram: true)
            try m.fitPrecomputedKernel(rows: zTrain.rows, labels: yTrain, classCount: 4, gamma: gamma) { i, row in
                fold.kernelRow(i, gamma: gamma, into: row)
            }
            XCTAssertTrue(m.probability, "the setting is kept; only this fit skips probability estimates")
            XCTAssertTrue(m.probA.isEmpty)
            XCTAssertEqual(m.supportCounts, ints(r["n_support"]))
            let dec = m.decisionValues(rows: zTest.rows) { fold.testKernel(rows: $0, columns: m.supportIndices, gamma: gamma) }
            let d = maxDiff(dec, matrix(r["decision_ovo"]))
            print("PARITY SVC \(kernel) precomputed kernel: decision \(d)")
            XCTAssertLessThan(d, 1e-6)
            XCTAssertEqual(m.votes(dec), ints(r["pred"]))

            // The same through `fit` with `precomputedKernel`: support vectors are the training rows, prediction runs
            // on features, and probabilities are as close to scikit-learn's as the feature-trained model's.
            var full = SupportVectorMachine(kernel: kernel, c: 1, precomputedKernel: true)
            try full.fit(zTrain, labels: yTrain, classCount: 4)
            XCTAssertEqual(full.supportCounts, ints(r["n_support"]))
            XCTAssertEqual(full.supportVectors, zTrain.selectingRows(full.supportIndices))
            XCTAssertLessThan(maxDiff(full.decisionValues(zTest), matrix(r["decision_ovo"])), 1e-6)
            XCTAssertEqual(full.predict(zTest), ints(r["pred"]))
            XCTAssertLessThan(maxDiff(full.predictProbabilities(zTest), matrix(r["proba"])), 0.1)
            let back = try JSONDecoder().decode(SupportVectorMachine.self, from: JSONEncoder().encode(full))
            XCTAssertFalse(back.precomputedKernel, "a fitting option, not stored")
            XCTAssertEqual(back.predictProbabilities(zTest), full.predictProbabilities(zTest))
        }
    }
}
