import XCTest
@testable import GenreKitLearning

final class LogisticRegressionTests: XCTestCase {
    func testMultinomialMatchesSklearn() throws {
        let (xTrain, yTrain, xTest, _) = try Fixture.data()
        let ref = dict(try Fixture.load("learning_models")["logistic"])
        // Raw features (including the constant column), C = 1.
        var model = LogisticRegression(c: 1, tolerance: 1e-8, maxIterations: 10_000)
        try model.fit(xTrain, labels: yTrain, classCount: 4)
        let r1 = dict(ref["raw_C1"])
        let dP = maxDiff(model.predictProbabilities(xTest), matrix(r1["proba"]))
        let dW = maxDiff(model.coefficients, matrix(r1["coef"]))
        let dB = maxDiff(model.intercepts, doubles(r1["intercept"]))
        print("PARITY LogisticRegression raw C=1: proba \(dP) coef \(dW) intercept \(dB), iterations \(model.iterations) (\(model.termination!)) vs sklearn \(r1["n_iter"]!)")
        XCTAssertLessThan(dP, 1e-4)

        // Standardised features, C = 0.1.
        var scaler = StandardScaler()
        let zTrain = scaler.fitTransform(xTrain), zTest = scaler.transform(xTest)
        var m2 = LogisticRegression(c: 0.1, tolerance: 1e-8, maxIterations: 10_000)
        try m2.fit(zTrain, labels: yTrain, classCount: 4)
        let r2 = dict(ref["scaled_C0.1"])
        let dP2 = maxDiff(m2.predictProbabilities(zTest), matrix(r2["proba"]))
        let dW2 = maxDiff(m2.coefficients, matrix(r2["coef"]))
        print("PARITY LogisticRegression scaled C=0.1: proba \(dP2) coef \(dW2)")
        XCTAssertLessThan(dP2, 1e-4)
        XCTAssertLessThan(dW2, 1e-3)
    }

    func testBalancedClassWeightsAndBinaryMatchSklearn() throws {
        let (xTrain, yTrain, xTest, _) = try Fixture.data()
        let ref = dict(try Fixture.load("learning_models")["logistic"])
        var scaler = StandardScaler()
        let zTrain = scaler.fitTransform(xTrain), zTest = scaler.transform(xTest)

        let rb = dict(ref["balanced_subset"])
        let keep = ints(rb["keep"])
        var m = LogisticRegression(c: 1, tolerance: 1e-8, maxIterations: 10_000, classWeighting: .balanced)
        try m.fit(zTrain.selectingRows(keep), labels: keep.map { yTrain[$0] }, classCount: 4)
        let p = m.predictProbabilities(zTest)
        // sklearn only knows classes 0...2; our column 3 (absent in training) is all zeros.
        XCTAssertTrue(p.column(3).allSatisfy { $0 == 0 })
        let dB = maxDiff(p.selectingColumns([0, 1, 2]), matrix(rb["proba"]))
        print("PARITY LogisticRegression balanced class weights (3 of 4 classes): proba \(dB)")
        XCTAssertLessThan(dB, 1e-4)

        let r2 = dict(ref["binary"])
        let keep2 = ints(r2["keep"])
        var mb = LogisticRegression(c: 1, tolerance: 1e-8, maxIterations: 10_000)
        try mb.fit(zTrain.selectingRows(keep2), labels: keep2.map { yTrain[$0] }, classCount: 2)
        let dP = maxDiff(mb.predictProbabilities(zTest), matrix(r2["proba"]))
        let dW = maxDiff(mb.coefficients, matrix(r2["coef"]))
        print("PARITY LogisticRegression binary (binomial): proba \(dP) coef \(dW)")
        XCTAssertEqual(mb.coefficients.rows, 1)
        XCTAssertLessThan(dP, 1e-4)
    }

    func testSampleWeightsEqualRepetition() throws {
        let (xTrain, yTrain, _, _) = try Fixture.data()
        let x = xTrain.selectingRows(0..<40), y = Array(yTrain[0..<40])
        var weights = [Double](repeating: 1, count: 40)
        weights[3] = 2
        var a = LogisticRegression(tolerance: 1e-10, maxIterations: 10_000)
        try a.fit(x, labels: y, classCount: 4, sampleWeights: weights)
        var b = LogisticRegression(tolerance: 1e-10, maxIterations: 10_000)
        try b.fit(x.selectingRows(Array(0..<40) + [3]), labels: y + [y[3]], classCount: 4)
        XCTAssertLessThan(maxDiff(a.predictProbabilities(x), b.predictProbabilities(x)), 1e-5)
    }

    func testCodableRoundTrip() throws {
        let (xTrain, yTrain, xTest, _) = try Fixture.data()
        var m = LogisticRegression()
        try m.fit(xTrain, labels: yTrain, classCount: 4)
        let data = try JSONEncoder().encode(AnyClassifier.logisticRegression(m))
        let back = try JSONDecoder().decode(AnyClassifier.self, from: data)
        XCTAssertEqual(back.predictProbabilities(xTest), m.predictProbabilities(xTest))
    }

    func testLBFGSRosenbrock() {
        let solver = LBFGS(maxIterations: 500, gradientTolerance: 1e-10)
        let r = solver.minimize([-1.2, 1]) { x, g in
            let a = 1 - x[0], b = x[1] - x[0] * x[0]
            g = [-2 * a - 400 * x[0] * b, 200 * b]
            return a * a + 100 * b * b
        }
        XCTAssertEqual(r.x[0], 1, accuracy: 1e-6)
        XCTAssertEqual(r.x[1], 1, accuracy: 1e-6)
    }
}
