import Foundation
import GenreKitCore
import XCTest
@testable import GenreKitLearning

/// The grouped grid search's shared work (one standardisation per fold, one neighbour search for every k, SVMs on
/// the fold's kernel values, all on all cores) gives each candidate what it would get on its own.
final class SelectionPlanTests: XCTestCase {
    /// `songs` songs of `windows` correlated rows (class centre + song offset + noise), 4 classes; seeded.
    func groupedData(songs: Int = 40, windows: Int = 4, features: Int = 12, seed: UInt64 = 5) -> (Matrix, [Int], [Int]) {
        var rng = SeededGenerator(seed: seed)
        let centres = (0..<(4 * features)).map { _ in 0.8 * rng.nextGaussian() }
        var rows: [[Double]] = [], labels: [Int] = [], groups: [Int] = []
        for s in 0..<songs {
            let y = s % 4
            let song = (0..<features).map { centres[y * features + $0] + 0.5 * rng.nextGaussian() + Double($0) }
            for _ in 0..<windows {
                rows.append(song.map { $0 + rng.nextGaussian() })
                labels.append(y); groups.append(s)
            }
        }
        return (Matrix(rows), labels, groups)
    }

    func pipeline(_ c: AnyClassifier, pca: Int? = nil) -> AnyClassifier {
        .pipeline(Pipeline(scaler: StandardScaler(), pca: pca.map { PCA(componentCount: $0) }, classifier: c))
    }

    /// Logistic regressions, neighbour searches (euclidean and cosine, several k) and candidates with PCA get the
    /// very probabilities their own pipeline gives when fitted alone on the fold.
    func testSharedPreprocessingAndNeighbourSearchChangeNothing() throws {
        let (x, y, _) = groupedData()
        var models: [AnyClassifier] = [1, 3, 5, 9].map { pipeline(.kNearestNeighbors(KNearestNeighbors(k: $0))) }
        models += [2, 7].map { pipeline(.kNearestNeighbors(KNearestNeighbors(k: $0, weighting: .distance, metric: .cosine))) }
        models += [0.1, 1].map { pipeline(.logisticRegression(LogisticRegression(c: $0))) }
        models += [pipeline(.kNearestNeighbors(KNearestNeighbors(k: 3)), pca: 4), pipeline(.logisticRegression(LogisticRegression()), pca: 4)]
        let candidates = models.enumerated().map { GridSearch.Candidate(name: "m\($0.offset)", model: $0.element) }
        let plan = SelectionPlan(candidates: candidates, decisionRule: true)
        XCTAssertEqual(plan.preprocessings.count, 2, "one standardisation per fold for all candidates without PCA")
        let train = Array(stride(from: 0, to: 160, by: 1)).filter { ($0 / 4) % 5 != 2 }
        let test = Array(stride(from: 0, to: 160, by: 1)).filter { ($0 / 4) % 5 == 2 }
        let shared = try plan.evaluate(x, labels: y, train: train, test: test, classCount: 4)
        for (c, model) in models.enumerated() {
            var alone = model
            try alone.fit(x.selectingRows(train), labels: train.map { y[$0] }, classCount: 4)
            XCTAssertEqual(shared[c], alone.predictProbabilities(x.selectingRows(test)), "candidate \(c)")
        }
    }

    /// An SVM is scored on its one-vs-one vote; trained on the fold's kernel values it votes as the same SVM trained
    /// on features (both solved to a tight tolerance, so both reach the one optimum of the strictly convex dual).
    func testSVMVotesFromKernelValuesAsFromFeatures() throws {
        let (x, y, _) = groupedData()
        let svms = [SupportVectorMachine(kernel: .rbf, c: 1, tolerance: 1e-10), SupportVectorMachine(kernel: .rbf, c: 10, gamma: .scaleTimes(0.1), tolerance: 1e-10),
                    SupportVectorMachine(kernel: .linear, c: 0.1, tolerance: 1e-10)]
        let candidates = svms.map { GridSearch.Candidate(name: "svm", model: pipeline(.supportVectorMachine($0))) }
        let plan = SelectionPlan(candidates: candidates, decisionRule: true)
        let train = (0..<160).filter { ($0 / 4) % 5 != 0 }, test = (0..<160).filter { ($0 / 4) % 5 == 0 }
        let shared = try plan.evaluate(x, labels: y, train: train, test: test, classCount: 4)
        for (c, svm) in svms.enumerated() {
            var alone = svm
            alone.probability = false
            var m = AnyClassifier.pipeline(Pipeline(classifier: .supportVectorMachine(alone)))
            try m.fit(x.selectingRows(train), labels: train.map { y[$0] }, classCount: 4)
            let votes = m.predict(x.selectingRows(test))
            XCTAssertEqual(shared[c].argmaxPerRow(), votes, "candidate \(c)")
            XCTAssertTrue(shared[c].values.allSatisfy { $0 == 0 || $0 == 1 }, "one-hot votes, no probability estimates")
        }
        // With a ranking scoring the SVM's probabilities are needed: it is fitted as configured.
        let ranking = SelectionPlan(candidates: candidates, decisionRule: false)
        guard case .fit = ranking.preprocessings[0].work[0] else { return XCTFail("a ranking scoring fits the SVM with probabilities") }
    }

    /// Same scores on every run although the fits run in parallel.
    func testGroupedSearchIsDeterministic() throws {
        let (x, y, groups) = groupedData()
        var models: [AnyClassifier] = [0.1, 1, 10].map { pipeline(.supportVectorMachine(SupportVectorMachine(kernel: .rbf, c: $0))) }
        models += [1, 5].map { pipeline(.kNearestNeighbors(KNearestNeighbors(k: $0))) }
        models += [pipeline(.logisticRegression(LogisticRegression(c: 1)))]
        let search = GridSearch(candidates: models.enumerated().map { GridSearch.Candidate(name: "m\($0.offset)", model: $0.element) },
                                cv: StratifiedKFold(splits: 5, seed: 3), scoring: .accuracy)
        let first = try search.run(x, labels: y, groups: groups, classCount: 4)
        for _ in 0..<3 { XCTAssertEqual(try search.run(x, labels: y, groups: groups, classCount: 4), first) }
        XCTAssertEqual(first.rows.map(\.foldScores.count), [Int](repeating: 5, count: 6))
        // Every fold score is a share of the fold's 8 test songs.
        for row in first.rows { for s in row.foldScores { XCTAssertEqual(s * 8, (s * 8).rounded(), accuracy: 1e-12) } }
    }
}
