import GenreKitCore
import XCTest
@testable import GenreKitLearning

final class MultilayerPerceptronTests: XCTestCase {
    /// XOR-like quadrants: not linearly separable, separable with one ReLU hidden layer.
    private func quadrants(_ n: Int, seed: UInt64) -> (Matrix, [Int]) {
        var rng = SeededGenerator(seed: seed)
        var rows: [[Double]] = [], labels: [Int] = []
        for _ in 0..<n {
            let a = rng.nextUnit() * 2 - 1, b = rng.nextUnit() * 2 - 1
            guard abs(a) > 0.1 && abs(b) > 0.1 else { continue }
            rows.append([a, b, 0.3])  // plus a constant feature
            labels.append((a > 0) == (b > 0) ? 0 : 1)
        }
        return (Matrix(rows), labels)
    }

    func testLearnsNonLinearSeparableProblem() throws {
        let (x, y) = quadrants(600, seed: 1)
        let (xt, yt) = quadrants(300, seed: 2)
        var m = MultilayerPerceptron(hiddenUnits: 32, learningRate: 0.01, batchSize: 32, maxEpochs: 300, seed: 7)
        try m.fit(x, labels: y, classCount: 2)
        let acc = Metrics.accuracy(yt, m.predict(xt))
        print("MLP quadrants: test accuracy \(acc) after \(m.epochsRun) epochs")
        XCTAssertGreaterThan(acc, 0.95)
        // Linear logistic regression cannot do this.
        var lr = LogisticRegression()
        try lr.fit(x, labels: y, classCount: 2)
        XCTAssertLessThan(Metrics.accuracy(yt, lr.predict(xt)), 0.8)
    }

    func testSeededFitIsReproducibleAndCodable() throws {
        let (xTrain, yTrain, xTest, yTest) = try Fixture.data()
        var scaler = StandardScaler()
        let z = scaler.fitTransform(xTrain), zt = scaler.transform(xTest)
        var a = MultilayerPerceptron(hiddenUnits: 16, seed: 3)
        var b = MultilayerPerceptron(hiddenUnits: 16, seed: 3)
        try a.fit(z, labels: yTrain, classCount: 4)
        try b.fit(z, labels: yTrain, classCount: 4)
        XCTAssertEqual(a.predictProbabilities(zt), b.predictProbabilities(zt))
        XCTAssertGreaterThan(Metrics.accuracy(yTest, a.predict(zt)), 0.8)
        let back = try JSONDecoder().decode(MultilayerPerceptron.self, from: JSONEncoder().encode(a))
        XCTAssertEqual(back.predictProbabilities(zt), a.predictProbabilities(zt))
        let p = a.predictProbabilities(zt)
        for r in 0..<p.rows { XCTAssertEqual(p.row(r).reduce(0, +), 1, accuracy: 1e-12) }
    }

    func testWithoutEarlyStoppingUsesTrainingLoss() throws {
        let (x, y) = quadrants(300, seed: 5)
        var m = MultilayerPerceptron(hiddenUnits: 8, learningRate: 0.01, maxEpochs: 50, earlyStopping: false, seed: 1)
        try m.fit(x, labels: y, classCount: 2)
        XCTAssertTrue(m.validationScores.isEmpty)
        XCTAssertLessThan(m.lossCurve.last!, m.lossCurve.first!)
    }
}
