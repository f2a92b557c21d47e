import GenreKit
import XCTest

final class StudyTests: XCTestCase {
    func testInformativeFeaturesBeatNoiseOnTheSameFolds() throws {
        let informative = syntheticSongs(perClass: 10, seed: 11)
        var g = SeededGenerator(seed: 12)
        let noise = informative.map { item -> ItemFeatures in
            let w = (0..<item.windows.count).map { _ in Float.random(in: -1...1, using: &g) }
            var song = [Float](repeating: 0, count: 4)
            for r in 0..<4 { for d in 0..<4 { song[d] += w[r * 4 + d] / 4 } }
            return ItemFeatures(id: item.id, label: item.label, windows: w, windowCount: 4, song: song)
        }
        let labels = ["a", "b", "c"]
        func set(_ items: [ItemFeatures]) -> FeatureSet { FeatureSet(labels: labels, items: items, splits: Array(repeating: nil, count: items.count)) }
        var trainer = Trainer()
        trainer.choice = .logreg; trainer.folds = 1
        let rows = try FeatureStudy(trainer: trainer, folds: 5, seed: 1).run([("good", set(informative)), ("noise", set(noise))])
        XCTAssertEqual(rows.map { $0.features }, ["good", "noise"])
        XCTAssertEqual(rows[0].accuracy.folds.count, 5)
        XCTAssertGreaterThan(rows[0].accuracy.mean, 0.85)
        XCTAssertLessThan(rows[1].accuracy.mean, 0.6)                 // chance is 1/3
        XCTAssertGreaterThan(rows[0].rocAUC.mean, rows[1].rocAUC.mean)
        let table = FeatureStudy.table(rows)
        XCTAssertTrue(table.contains("good") && table.contains("±"))
        XCTAssertEqual(FeatureStudy.csv(rows).split(separator: "\n").count, 3)
        let html = StudyCharts.page(rows, title: "t")
        XCTAssertTrue(html.contains("<b>"))
        // The chart: 4 measures × 2 specifications, whiskers = 95 % CI of the mean over the 5 folds.
        XCTAssertEqual(html.components(separatedBy: "class=\"bar\"").count - 1, 8)
        let ci = MeanConfidenceInterval(rows[0].accuracy.folds).halfWidth
        XCTAssertTrue(html.contains(String(format: "good: %.3f ± %.3f", rows[0].accuracy.mean, ci)), "hover title of the first bar")
    }
}

final class StudyHeldOutTests: XCTestCase {
    func testTrainOnOneSetScoreOnAnother() throws {
        let labels = ["a", "b", "c"]
        func set(_ items: [ItemFeatures]) -> FeatureSet { FeatureSet(labels: labels, items: items, splits: Array(repeating: nil, count: items.count)) }
        let train = syntheticSongs(perClass: 10, seed: 21)
        let test = syntheticSongs(perClass: 4, seed: 22).map { item -> ItemFeatures in
            var i = item; i.id = "test-" + item.id; return i
        }
        // The second specification lacks one test song: both rows are scored on the 11 songs they share.
        var trainer = Trainer()
        trainer.choice = .logreg; trainer.folds = 1
        let study = FeatureStudy(trainer: trainer)
        let rows = try study.runHeldOut(train: [("x", set(train)), ("y", set(train))], test: [("x", set(test)), ("y", set(Array(test.dropLast())))])
        XCTAssertEqual(rows.map(\.features), ["x", "y"])
        XCTAssertEqual(rows[0].accuracy.folds.count, 1)
        XCTAssertEqual(rows[0].accuracy.std, 0)
        XCTAssertEqual(rows[0].accuracy.mean, rows[1].accuracy.mean, "same features, same songs")
        XCTAssertEqual(rows[0].accuracy.mean * 11, (rows[0].accuracy.mean * 11).rounded(), accuracy: 1e-9, "a share of 11 songs")
        XCTAssertGreaterThan(rows[0].accuracy.mean, 0.8)
        XCTAssertThrowsError(try study.runHeldOut(train: [("x", set(train))], test: [("z", set(test))])) {
            XCTAssertEqual($0 as? StudyError, .specsDiffer)
        }
    }
}
