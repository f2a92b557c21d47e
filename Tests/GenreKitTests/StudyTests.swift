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
        XCTAssertTrue(FeatureStudy.html(rows, title: "t").contains("<b>"))
    }
}
