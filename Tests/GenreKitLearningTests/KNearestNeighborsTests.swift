import XCTest
@testable import GenreKitLearning

final class KNearestNeighborsTests: XCTestCase {
    func testMatchesSklearnOnBlobs() throws {
        let (xTrain, yTrain, xTest, _) = try Fixture.data()
        let ref = dict(try Fixture.load("learning_models")["knn"])
        for metric in [KNearestNeighbors.Metric.euclidean, .cosine] {
            for weighting in [KNearestNeighbors.Weighting.uniform, .distance] {
                var m = KNearestNeighbors(k: 5, weighting: weighting, metric: metric)
                try m.fit(xTrain, labels: yTrain, classCount: 4)
                let r = dict(ref["\(metric.rawValue)_\(weighting.rawValue)"])
                let d = maxDiff(m.predictProbabilities(xTest), matrix(r["proba"]))
                print("PARITY KNN \(metric) \(weighting): proba \(d)")
                XCTAssertLessThan(d, 1e-12)
                XCTAssertEqual(m.predict(xTest), ints(r["pred"]))
            }
        }
    }

    func testTiesAndZeroDistancesLikeSklearn() throws {
        let t = dict(dict(try Fixture.load("learning_models")["knn"])["ties"])
        let x = matrix(t["X"]), y = ints(t["y"]), q = matrix(t["Q"])
        for weighting in [KNearestNeighbors.Weighting.uniform, .distance] {
            var m = KNearestNeighbors(k: 3, weighting: weighting)
            try m.fit(x, labels: y, classCount: 3)
            let d = maxDiff(m.predictProbabilities(q), matrix(t[weighting.rawValue]))
            print("PARITY KNN ties \(weighting): proba \(d)")
            XCTAssertLessThan(d, 1e-12)
        }
        // Stable order: among equal distances the earlier training row comes first.
        var m = KNearestNeighbors(k: 3)
        try m.fit(x, labels: y, classCount: 3)
        let nb = m.neighbors(Matrix([[0.5, 0.5]]))[0]
        XCTAssertEqual(nb.indices, [0, 1, 2])
    }

    func testCodable() throws {
        let (xTrain, yTrain, xTest, _) = try Fixture.data()
        var m = KNearestNeighbors(k: 3, weighting: .distance, metric: .cosine)
        try m.fit(xTrain, labels: yTrain, classCount: 4)
        let back = try JSONDecoder().decode(KNearestNeighbors.self, from: JSONEncoder().encode(m))
        XCTAssertEqual(back.predictProbabilities(xTest), m.predictProbabilities(xTest))
    }
}
