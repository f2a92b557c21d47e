import XCTest
@testable import GenreKitLearning

final class MetricsTests: XCTestCase {
    let tol = 1e-12

    func testBinaryCaseMatchesSklearn() throws {
        let c = dict(try Fixture.load("learning_metrics")["binary"])
        let y = ints(c["y_true"]), p = ints(c["y_pred"]), s = doubles(c["scores"])
        assertClose(Metrics.accuracy(y, p), double(c["accuracy"]), tol, "accuracy")
        assertClose(Metrics.balancedAccuracy(y, p), double(c["balanced_accuracy"]), tol, "balanced")
        let pos = y.map { $0 == 1 }
        assertClose(Metrics.rocAUC(positives: pos, scores: s), double(c["roc_auc"]), tol, "roc")
        assertClose(Metrics.averagePrecision(positives: pos, scores: s), double(c["average_precision"]), tol, "ap")
        XCTAssertEqual(Metrics.confusionMatrix(y, p, classCount: 2), (c["confusion"] as! [[Int]]))
        checkPRF(Metrics.precisionRecallF1(y, p), dict(c["prf"]))
    }

    func testMulticlassCaseMatchesSklearn() throws {
        let c = dict(try Fixture.load("learning_metrics")["multiclass"])
        let y = ints(c["y_true"]), p = ints(c["y_pred"]), scores = matrix(c["scores"])
        assertClose(Metrics.accuracy(y, p), double(c["accuracy"]), tol, "accuracy")
        assertClose(Metrics.balancedAccuracy(y, p), double(c["balanced_accuracy"]), tol, "balanced")
        XCTAssertEqual(Metrics.confusionMatrix(y, p, classCount: 4), (c["confusion"] as! [[Int]]))
        checkPRF(Metrics.precisionRecallF1(y, p), dict(c["prf"]))
        assertClose(Metrics.rocAUC(labels: y, scores: scores, average: .macro), double(c["roc_auc_ovr_macro"]), tol, "roc macro")
        assertClose(Metrics.rocAUC(labels: y, scores: scores, average: .micro), double(c["roc_auc_ovr_micro"]), tol, "roc micro")
        XCTAssertLessThan(maxDiff(Metrics.rocAUCPerClass(labels: y, scores: scores), doubles(c["roc_auc_per_class"])), tol)
        assertClose(Metrics.averagePrecision(labels: y, scores: scores, average: .macro), double(c["average_precision_macro"]), tol, "ap macro")
        assertClose(Metrics.averagePrecision(labels: y, scores: scores, average: .micro), double(c["average_precision_micro"]), tol, "ap micro")
        XCTAssertLessThan(maxDiff(Metrics.averagePrecisionPerClass(labels: y, scores: scores), doubles(c["average_precision_per_class"])), tol)
    }

    func testLabelsOnlyPredictedOrNeverPredicted() throws {
        let c = dict(try Fixture.load("learning_metrics")["labels_absent"])
        let y = ints(c["y_true"]), p = ints(c["y_pred"])
        assertClose(Metrics.accuracy(y, p), double(c["accuracy"]), tol, "accuracy")
        assertClose(Metrics.balancedAccuracy(y, p), double(c["balanced_accuracy"]), tol, "balanced")
        XCTAssertEqual(Metrics.confusionMatrix(y, p, classCount: 4), (c["confusion"] as! [[Int]]))
        checkPRF(Metrics.precisionRecallF1(y, p), dict(c["prf"]))
    }

    func testMultilabelMicroAndClassWithoutPositives() throws {
        let c = dict(try Fixture.load("learning_metrics")["multilabel"])
        let yt = matrix(c["y_true"]), s = matrix(c["scores"])
        assertClose(Metrics.rocAUC(indicators: yt, scores: s, average: .micro), double(c["roc_auc_micro"]), tol, "roc micro")
        assertClose(Metrics.averagePrecision(indicators: yt, scores: s, average: .micro), double(c["average_precision_micro"]), tol, "ap micro")
        assertClose(Metrics.averagePrecision(indicators: yt, scores: s, average: .macro), double(c["average_precision_macro"]), tol, "ap macro")
        let roc = Metrics.rocAUCPerColumn(indicators: yt, scores: s)
        XCTAssertTrue(roc[2].isNaN, "no positives → NaN like sklearn")
        XCTAssertLessThan(maxDiff(roc, doubles(c["roc_auc_per_class"])), tol)
        XCTAssertTrue(Metrics.rocAUC(indicators: yt, scores: s, average: .macro).isNaN)
        XCTAssertTrue(double(c["roc_auc_macro"]).isNaN)
        let ap = Metrics.averagePrecisionPerColumn(indicators: yt, scores: s)
        XCTAssertEqual(ap[2], 0)
        XCTAssertLessThan(maxDiff(ap, doubles(c["average_precision_per_class"])), tol)
    }

    func testHandComputedTies() {
        // All scores tied: ROC is the diagonal, AP = prevalence.
        let pos = [true, false, true, false, false]
        XCTAssertEqual(Metrics.rocAUC(positives: pos, scores: [0.5, 0.5, 0.5, 0.5, 0.5]), 0.5)
        XCTAssertEqual(Metrics.averagePrecision(positives: pos, scores: [0.5, 0.5, 0.5, 0.5, 0.5]), 0.4, accuracy: 1e-15)
        XCTAssertTrue(Metrics.rocAUC(positives: [true, true], scores: [0.1, 0.2]).isNaN)
        XCTAssertEqual(Metrics.averagePrecision(positives: [false, false], scores: [0.1, 0.2]), 0)
    }

    func testReportIsCodableAndConsistent() throws {
        let c = dict(try Fixture.load("learning_metrics")["multiclass"])
        let y = ints(c["y_true"]), p = ints(c["y_pred"]), scores = matrix(c["scores"])
        let report = ClassificationReport(trueLabels: y, predicted: p, probabilities: scores, classCount: 4,
                                          classNames: ["blues", "jazz", "metal", "pop"])
        let data = try report.jsonData()
        let back = try JSONDecoder().decode(ClassificationReport.self, from: data)
        XCTAssertEqual(back, report)
        let prf = dict(c["prf"])
        assertClose(report.macro.f1, double(dict(prf["macro"])["f1"]), tol, "report macro f1")
        assertClose(report.rocAUCMacro ?? .nan, double(c["roc_auc_ovr_macro"]), tol, "report roc")
        XCTAssertEqual(report.classes[3].name, "pop")
        XCTAssertEqual(report.classes.map(\.support), [14, 10, 12, 14])
        print(report.formatted())
        // A class without true samples: ROC-AUC is NaN → stored as nil.
        let r2 = ClassificationReport(trueLabels: [0, 1, 0, 1], predicted: [0, 1, 1, 1],
                                      probabilities: Matrix([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.4, 0.5, 0.1], [0.1, 0.8, 0.1]]),
                                      classCount: 3)
        XCTAssertNil(r2.rocAUCMacro)
        XCTAssertNil(r2.classes[2].rocAUC)
        XCTAssertNoThrow(try r2.jsonData())
    }

    private func checkPRF(_ r: Metrics.PrecisionRecallF1, _ ref: [String: Any], file: StaticString = #filePath, line: UInt = #line) {
        let per = dict(ref["per_class"]), macro = dict(ref["macro"]), micro = dict(ref["micro"])
        XCTAssertLessThan(maxDiff(r.precision, doubles(per["precision"])), tol, file: file, line: line)
        XCTAssertLessThan(maxDiff(r.recall, doubles(per["recall"])), tol, file: file, line: line)
        XCTAssertLessThan(maxDiff(r.f1, doubles(per["f1"])), tol, file: file, line: line)
        assertClose(r.macroPrecision, double(macro["precision"]), tol, "macro P", file: file, line: line)
        assertClose(r.macroRecall, double(macro["recall"]), tol, "macro R", file: file, line: line)
        assertClose(r.macroF1, double(macro["f1"]), tol, "macro F1", file: file, line: line)
        assertClose(r.microPrecision, double(micro["precision"]), tol, "micro P", file: file, line: line)
        assertClose(r.microRecall, double(micro["recall"]), tol, "micro R", file: file, line: line)
        assertClose(r.microF1, double(micro["f1"]), tol, "micro F1", file: file, line: line)
    }
}

/// Curve points as scikit-learn's `roc_curve(drop_intermediate=False)` and `precision_recall_curve` give them
/// (worked by hand: scores 0.9 (+), 0.8 (−), 0.4 (+), 0.4 (−)).
final class CurvePointsTests: XCTestCase {
    let positives = [true, false, true, false], scores = [0.9, 0.8, 0.4, 0.4]

    func testROCCurve() throws {
        let c = try XCTUnwrap(Metrics.rocCurve(positives: positives, scores: scores))
        XCTAssertEqual(c.x, [0, 0, 0.5, 1])
        XCTAssertEqual(c.y, [0, 0.5, 0.5, 1])
        XCTAssertEqual(c.thresholds, [.infinity, 0.9, 0.8, 0.4])
        // Its trapezoid area is roc_auc_score.
        var area = 0.0
        for i in 1..<c.x.count { area += (c.x[i] - c.x[i - 1]) * (c.y[i] + c.y[i - 1]) / 2 }
        XCTAssertEqual(area, Metrics.rocAUC(positives: positives, scores: scores), accuracy: 1e-15)
        XCTAssertNil(Metrics.rocCurve(positives: [true, true], scores: [0.1, 0.2]))
    }

    func testPrecisionRecallCurve() throws {
        let c = try XCTUnwrap(Metrics.precisionRecallCurve(positives: positives, scores: scores))
        XCTAssertEqual(c.x, [0, 0.5, 0.5, 1])           // recall, highest threshold first
        XCTAssertEqual(c.y, [1, 1, 0.5, 0.5])           // precision
        XCTAssertEqual(c.thresholds, [.infinity, 0.9, 0.8, 0.4])
        // Stops at the first threshold with full recall: a trailing negative adds no point.
        let d = try XCTUnwrap(Metrics.precisionRecallCurve(positives: [true, false], scores: [0.9, 0.1]))
        XCTAssertEqual(d.x, [0, 1])
        XCTAssertEqual(d.y, [1, 1])
        XCTAssertNil(Metrics.precisionRecallCurve(positives: [false], scores: [0.3]))
    }
}
