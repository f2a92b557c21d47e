import XCTest
@testable import GenreKitLearning

final class ModelSelectionTests: XCTestCase {
    func testStratifiedKFoldMatchesSklearn() throws {
        let ref = dict(try Fixture.load("learning_models")["stratified_kfold"])
        let (_, yTrain, _, _) = try Fixture.data()
        XCTAssertEqual(try StratifiedKFold(splits: 5).foldAssignments(yTrain), ints(ref["folds5"]))
        XCTAssertEqual(try StratifiedKFold(splits: 3).foldAssignments(ints(ref["y_imbalanced"])), ints(ref["folds3_imbalanced"]))
        // Seeded shuffle: deterministic, same per-class fold sizes.
        let a = try StratifiedKFold(splits: 5, seed: 9).foldAssignments(yTrain)
        XCTAssertEqual(a, try StratifiedKFold(splits: 5, seed: 9).foldAssignments(yTrain))
        let b = ints(ref["folds5"])
        for c in 0..<4 {
            for f in 0..<5 {
                XCTAssertEqual(yTrain.indices.filter { yTrain[$0] == c && a[$0] == f }.count,
                               yTrain.indices.filter { yTrain[$0] == c && b[$0] == f }.count)
            }
        }
        let splits = try StratifiedKFold(splits: 5).split(yTrain)
        XCTAssertEqual(Set(splits.flatMap(\.test)).count, yTrain.count)
    }

    func testGridSearchTable() throws {
        let (xTrain, yTrain, _, _) = try Fixture.data()
        var candidates: [GridSearch.Candidate] = []
        for c in [0.01, 1.0] {
            candidates.append(.init(name: "logreg", parameters: ["C": "\(c)"],
                                    model: .pipeline(Pipeline(classifier: .logisticRegression(LogisticRegression(c: c))))))
        }
        for k in [1, 5] {
            candidates.append(.init(name: "knn", parameters: ["k": "\(k)"],
                                    model: .pipeline(Pipeline(classifier: .kNearestNeighbors(KNearestNeighbors(k: k))))))
        }
        candidates.append(.init(name: "svm-rbf", parameters: ["C": "1"],
                                model: .pipeline(Pipeline(classifier: .supportVectorMachine(SupportVectorMachine(probability: false))))))
        let search = GridSearch(candidates: candidates, cv: StratifiedKFold(splits: 4), scoring: .balancedAccuracy)
        let result = try search.run(xTrain, labels: yTrain, classCount: 4)
        print(result.formatted())
        XCTAssertEqual(result.rows.count, 5)
        for row in result.rows {
            XCTAssertEqual(row.foldScores.count, 4)
            let mean = row.foldScores.reduce(0, +) / 4
            XCTAssertEqual(row.mean, mean, accuracy: 1e-15)
            XCTAssertGreaterThanOrEqual(row.std, 0)
        }
        XCTAssertEqual(result.best.rank, 1)
        XCTAssertTrue(result.rows.allSatisfy { $0.mean <= result.best.mean })
        let json = try JSONEncoder().encode(result)
        XCTAssertEqual(try JSONDecoder().decode(GridSearch.Result.self, from: json), result)
    }

    func testClassWeightsBalanced() {
        let w = ClassWeighting.balanced.classWeights(labels: [0, 0, 0, 1], classCount: 3)
        XCTAssertEqual(w[0], 4.0 / (2 * 3), accuracy: 1e-15)
        XCTAssertEqual(w[1], 4.0 / (2 * 1), accuracy: 1e-15)
        XCTAssertEqual(w[2], 1)
    }

    func testPipelineModelFileRoundTrip() throws {
        let (xTrain, yTrain, xTest, _) = try Fixture.data()
        var model = AnyClassifier.pipeline(Pipeline(scaler: StandardScaler(), pca: PCA(componentCount: 4),
                                                    classifier: .logisticRegression(LogisticRegression())))
        try model.fit(xTrain, labels: yTrain, classCount: 4)
        let data = try JSONEncoder().encode(model)
        let back = try JSONDecoder().decode(AnyClassifier.self, from: data)
        XCTAssertEqual(back.predictProbabilities(xTest), model.predictProbabilities(xTest))
    }
}
