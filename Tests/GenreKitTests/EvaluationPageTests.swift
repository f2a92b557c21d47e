import Foundation
@testable import GenreKit
import XCTest

/// The evaluation report page, checked by what it draws: every chart, every curve, every misclassified song.
final class EvaluationPageTests: XCTestCase {
    func testPageDrawsMatricesBarsCurvesAndMisclassifiedSongs() throws {
        let labels = ["blues", "jazz", "rock"]
        // Three songs of two windows each; the jazz song is predicted as rock.
        let outcomes = [
            SongOutcome(id: "a/blues.wav", trueLabel: 0, predicted: 0, probabilities: [0.7, 0.2, 0.1],
                        windowProbabilities: [[0.8, 0.1, 0.1], [0.6, 0.3, 0.1]], windowStarts: [0, 3]),
            SongOutcome(id: "b/jazz.wav", trueLabel: 1, predicted: 2, probabilities: [0.1, 0.4, 0.5],
                        windowProbabilities: [[0.1, 0.5, 0.4], [0.1, 0.3, 0.6]], windowStarts: [0, 3]),
            SongOutcome(id: "c/rock <live>.wav", trueLabel: 2, predicted: 2, probabilities: [0.1, 0.1, 0.8],
                        windowProbabilities: [[0.1, 0.1, 0.8], [0.1, 0.1, 0.8]], windowStarts: [0, 3]),
        ]
        func report(_ truth: [Int], _ pred: [Int], _ p: [[Double]]) -> ClassificationReport {
            ClassificationReport(trueLabels: truth, predicted: pred, probabilities: Matrix(rows: p.count, cols: 3, values: p.flatMap { $0 }),
                                 classCount: 3, classNames: labels)
        }
        let windows = outcomes.flatMap(\.windowProbabilities)
        let windowTruth = [0, 0, 1, 1, 2, 2]
        let windowPred = windows.map { row in row.indices.max { row[$0] < row[$1] }! }
        let evaluation = EvaluationReport(aggregation: "mean", segment: report(windowTruth, windowPred, windows),
                                          song: report([0, 1, 2], [0, 2, 2], outcomes.map(\.probabilities)))
        let html = EvaluationPage.html(report: evaluation, outcomes: outcomes, labels: labels, subtitle: "test")
        func count(_ s: String) -> Int { html.components(separatedBy: s).count - 1 }
        // Four confusion matrices of 3 × 3 cells, plus the misclassified song's 3 classes × 2 windows.
        XCTAssertEqual(count("class=\"hm-cell\""), 4 * 9 + 3 * 2)
        // Per-class bars: 2 levels × 3 classes × 3 measures.
        XCTAssertEqual(count("class=\"bar\""), 2 * 3 * 3)
        // ROC and PR curves: 2 levels × 3 classes × 2 kinds (every class has positives and negatives here).
        XCTAssertEqual(count("<polyline"), 2 * 3 * 2)
        XCTAssertTrue(html.contains("Misclassified songs (1 of 3)"))
        XCTAssertTrue(html.contains("<td>b/jazz.wav</td><td>jazz</td><td>rock</td><td>rock 0.50, jazz 0.40, blues 0.10</td>"))
        XCTAssertTrue(html.contains("jazz.wav: jazz predicted as rock"))
        XCTAssertFalse(html.contains("<live>"), "names are escaped")
        // Song-level confusion counts: the jazz song sits in row jazz, column rock.
        XCTAssertTrue(html.contains("<title>jazz · rock: 1</title>"))
        // Self-contained: no scripts, no external references.
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("src="))
        XCTAssertFalse(html.contains("href="))
    }
}
