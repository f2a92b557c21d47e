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
            let dPortProb = maxDiff(m.predictProbabilities(zTest), c.probabilities!)
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
            print("PARITY SVC \(kernel): decision \(dDec) intercept \(dRho) | port vs libsvm: decision \(dPortDec) proba \(dPortProb) | coupling(sklearn A,B) \(dCoupling) | own proba vs sklearn \(dOwnProb) (probA diff \(dProbA))")
            XCTAssertLessThan(dDec, 1e-6)
            XCTAssertLessThan(dPortDec, 1e-12)
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
        XCTAssertLessThan(maxDiff(m.predictProbabilities(xTest), live.libsvmPredictions(xTest).probabilities!), 1e-12)
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
