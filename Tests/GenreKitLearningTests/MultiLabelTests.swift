import GenreKitCore
import XCTest
@testable import GenreKitLearning

/// One-vs-rest logistic probes, multi-label metrics and thresholds against scikit-learn
/// (fixtures from reference/make_multilabel_fixtures.py), and the BCE perceptron.
final class MultiLabelTests: XCTestCase {
    let tol = 1e-12

    func fixture() throws -> (xTrain: Matrix, yTrain: Matrix, xTest: Matrix, yTest: Matrix, ref: [String: Any]) {
        let (xTrain, _, xTest, _) = try Fixture.data()
        let ref = try Fixture.load("multilabel")
        return (xTrain, matrix(ref["Y_train"]), xTest, matrix(ref["Y_test"]), ref)
    }

    func testOneVsRestLogisticMatchesSklearn() throws {
        let (xTrain, yTrain, xTest, _, ref) = try fixture()
        let ovr = dict(ref["ovr"])
        for (key, base) in [("C1", OneVsRestClassifier.Base.logistic(c: 1, classWeighting: .none)),
                            ("C0.1_balanced", .logistic(c: 0.1, classWeighting: .balanced))] {
            var m = OneVsRestClassifier(base: base)
            try m.fit(xTrain, indicators: yTrain)
            let r = dict(ovr[key])
            let dP = maxDiff(m.predictProbabilities(xTest), matrix(r["proba"]))
            var coef: [Double] = [], intercept: [Double] = []
            for head in m.heads { if case .probe(let lr) = head { coef += lr.coefficients.values; intercept += lr.intercepts } }
            let dW = maxDiff(coef, matrix(r["coef"]).values), dB = maxDiff(intercept, doubles(r["intercept"]))
            print("PARITY OneVsRest logistic \(key): proba \(dP) coef \(dW) intercept \(dB)")
            XCTAssertEqual(m.tagCount, 4)
            XCTAssertLessThan(dP, 1e-4, key)
            XCTAssertLessThan(dW, 1e-3, key)
        }
    }

    func testMultiLabelMetricsMatchSklearn() throws {
        let (_, _, _, yTest, ref) = try fixture()
        let s = matrix(dict(dict(ref["ovr"])["C1"])["proba"])
        let c = dict(ref["metrics"])
        assertClose(Metrics.rocAUC(indicators: yTest, scores: s, average: .macro), double(c["roc_auc_macro"]), tol, "roc macro")
        assertClose(Metrics.rocAUC(indicators: yTest, scores: s, average: .micro), double(c["roc_auc_micro"]), tol, "roc micro")
        XCTAssertLessThan(maxDiff(Metrics.rocAUCPerColumn(indicators: yTest, scores: s), doubles(c["roc_auc_per_tag"])), tol)
        assertClose(Metrics.averagePrecision(indicators: yTest, scores: s, average: .macro), double(c["average_precision_macro"]), tol, "mAP")
        assertClose(Metrics.averagePrecision(indicators: yTest, scores: s, average: .micro), double(c["average_precision_micro"]), tol, "AP micro")
        var decisions = Matrix(rows: s.rows, cols: s.cols)
        for i in 0..<s.values.count where s.values[i] >= 0.5 { decisions.values[i] = 1 }
        checkPRF(Metrics.multiLabelPrecisionRecallF1(indicators: yTest, predictions: decisions), dict(c["prf_at_0.5"]))

        // The report carries the same numbers (all four tags have positives and negatives, so macro ROC-AUC is sklearn's).
        let report = MultiLabelReport(indicators: yTest, scores: s, thresholds: [0.5, 0.5, 0.5, 0.5], tagNames: ["a", "b", "c", "d"])
        let prf = dict(c["prf_at_0.5"])
        assertClose(report.rocAUCMacro ?? .nan, double(c["roc_auc_macro"]), tol, "report roc macro")
        XCTAssertEqual(report.rocAUCTagsScored, 4)
        assertClose(report.rocAUCMicro ?? .nan, double(c["roc_auc_micro"]), tol, "report roc micro")
        assertClose(report.meanAveragePrecision, double(c["average_precision_macro"]), tol, "report mAP")
        assertClose(report.f1Macro, double(dict(prf["macro"])["f1"]), tol, "report f1 macro")
        assertClose(report.f1Micro, double(dict(prf["micro"])["f1"]), tol, "report f1 micro")
        assertClose(report.f1Samples, double(dict(prf["samples"])["f1"]), tol, "report f1 samples")
        XCTAssertEqual(report.tags.map(\.support), [31, 28, 24, 10])
        let back = try JSONDecoder().decode(MultiLabelReport.self, from: JSONEncoder().encode(report))
        XCTAssertEqual(back, report)
        print(report.formatted())
    }

    /// An empty row (no true, no predicted tag) scores 0 in the samples average; a tag never predicted has
    /// precision 0; a tag never true has recall 0 (zero_division=0).
    func testMultiLabelF1EdgeCasesMatchSklearn() throws {
        let e = dict(try Fixture.load("multilabel")["edge"])
        checkPRF(Metrics.multiLabelPrecisionRecallF1(indicators: matrix(e["y_true"]), predictions: matrix(e["y_pred"])), dict(e["prf"]))
    }

    func testThresholdMaximisesEachTagsF1() {
        // Tag 0: positives 0.9, 0.7, 0.4; negatives 0.6, 0.2. Best F1 = 6/7 at "≥ 0.4" (TP 3, FP 1) —
        // midpoint with the next lower score 0.2 → 0.3.
        // Tag 1: separable (positives 0.8, 0.75; negatives ≤ 0.5) → F1 1 at ≥ 0.75, midpoint with 0.5 → 0.625.
        // Tag 2: no positive → 0.5.
        let scores = Matrix([[0.9, 0.8, 0.1], [0.7, 0.75, 0.3], [0.4, 0.5, 0.2], [0.6, 0.1, 0.9], [0.2, 0.3, 0.4]])
        let truth = Matrix([[1, 1, 0], [1, 1, 0], [1, 0, 0], [0, 0, 0], [0, 0, 0]])
        let t = TagThresholds.fit(scores: scores, indicators: truth)
        XCTAssertEqual(t[0], 0.3, accuracy: 1e-15)
        XCTAssertEqual(t[1], 0.625, accuracy: 1e-15)
        XCTAssertEqual(t[2], TagThresholds.fallback)
        // Best at the lowest score: every row predicted positive → that score itself.
        XCTAssertEqual(TagThresholds.fit(scores: [0.2, 0.3, 0.1], positives: [true, true, true]), 0.1)
        // Ties in scores move together.
        XCTAssertEqual(TagThresholds.fit(scores: [0.5, 0.5, 0.2], positives: [true, false, false]), 0.35, accuracy: 1e-15)
    }

    func testConstantTagAndIndependentHeads() throws {
        let (xTrain, yTrain, xTest, _, _) = try fixture()
        var y = yTrain
        for r in 0..<y.rows { y[r, 3] = 1 }                         // tag 3 on every row: sklearn's constant predictor
        var m = OneVsRestClassifier()
        try m.fit(xTrain, indicators: y)
        let p = m.predictProbabilities(xTest)
        XCTAssertTrue(p.column(3).allSatisfy { $0 == 1 })
        // Appending or replacing a probe leaves the other columns bit-identical.
        let z = m.transform(xTrain)
        let probe = try OneVsRestClassifier.fitProbe(z, positives: (0..<xTrain.rows).map { $0 % 3 == 0 }, c: 1)
        let appended = m.appending(.probe(probe))
        let pa = appended.predictProbabilities(xTest)
        XCTAssertEqual(pa.cols, 5)
        XCTAssertEqual(pa.selectingColumns([0, 1, 2, 3]), p)
        let replaced = m.replacing(at: 1, with: .probe(probe))
        let pr = replaced.predictProbabilities(xTest)
        XCTAssertEqual(pr.selectingColumns([0, 2, 3]), p.selectingColumns([0, 2, 3]))
        XCTAssertEqual(pr.column(1), pa.column(4))
        // An enrolled probe standardises the raw rows itself.
        let enrolled = try OneVsRestClassifier.fitEnrolledProbe(xTrain, positives: (0..<xTrain.rows).map { $0 % 3 == 0 }, c: 1)
        XCTAssertNotNil(enrolled.scaler?.isFitted == true ? enrolled : nil)
        XCTAssertEqual(m.appending(.enrolledProbe(enrolled)).predictProbabilities(xTest).column(4), enrolled.predictProbabilities(OneVsRestClassifier.roundedToHalf(xTest)).column(1))
        XCTAssertThrowsError(try m.fit(xTrain, indicators: Matrix(rows: 3, cols: 2))) {
            XCTAssertEqual($0 as? LearningError, .shapeMismatch("120 rows but 3 indicator rows"))
        }
    }

    /// Quadrant tags (not linearly separable) plus a linear tag: the BCE perceptron learns all of them.
    func testPerceptronLearnsNonLinearTags() throws {
        func data(_ n: Int, seed: UInt64) -> (Matrix, Matrix) {
            var rng = SeededGenerator(seed: seed)
            var x: [[Double]] = [], y: [[Double]] = []
            for _ in 0..<n {
                let a = rng.nextUnit() * 2 - 1, b = rng.nextUnit() * 2 - 1
                guard abs(a) > 0.1 && abs(b) > 0.1 else { continue }
                x.append([a, b, 0.3])
                y.append([(a > 0) == (b > 0) ? 1 : 0, a > 0 ? 1 : 0, (a > 0 && b > 0) ? 1 : 0])
            }
            return (Matrix(x), Matrix(y))
        }
        let (x, y) = data(600, seed: 1), (xt, yt) = data(300, seed: 2)
        let settings = MultilayerPerceptronSettings(hiddenUnits: 32, learningRate: 0.01, batchSize: 32, maxEpochs: 300, seed: 7)
        var m = OneVsRestClassifier(base: .perceptron(settings))
        try m.fit(x, indicators: y)
        let p = m.predictProbabilities(xt)
        let roc = Metrics.rocAUCPerColumn(indicators: yt, scores: p)
        let f1 = Metrics.multiLabelPrecisionRecallF1(indicators: yt, predictions: m.predict(xt, thresholds: [0.5, 0.5, 0.5]))
        print("MLP multi-label: ROC-AUC per tag \(roc), micro F1 \(f1.microF1), epochs \(m.perceptron!.epochsRun)")
        XCTAssertGreaterThan(roc.min()!, 0.97)
        XCTAssertGreaterThan(f1.microF1, 0.9)
        // The logistic probes cannot learn the XOR tag.
        var lr = OneVsRestClassifier()
        try lr.fit(x, indicators: y)
        XCTAssertLessThan(Metrics.rocAUCPerColumn(indicators: yt, scores: lr.predictProbabilities(xt))[0], 0.7)
        // Reproducible and codable through AnyClassifier.
        var again = OneVsRestClassifier(base: .perceptron(settings))
        try again.fit(x, indicators: y)
        XCTAssertEqual(again.predictProbabilities(xt), p)
        let back = try JSONDecoder().decode(AnyClassifier.self, from: JSONEncoder().encode(AnyClassifier.oneVsRest(m)))
        XCTAssertEqual(back.predictProbabilities(xt), p)
        XCTAssertNotNil(back.oneVsRestTagger)
    }

    private func checkPRF(_ r: Metrics.MultiLabelPRF, _ ref: [String: Any], file: StaticString = #filePath, line: UInt = #line) {
        let per = dict(ref["per_tag"])
        XCTAssertLessThan(maxDiff(r.precision, doubles(per["precision"])), tol, file: file, line: line)
        XCTAssertLessThan(maxDiff(r.recall, doubles(per["recall"])), tol, file: file, line: line)
        XCTAssertLessThan(maxDiff(r.f1, doubles(per["f1"])), tol, file: file, line: line)
        for (name, values) in [("macro", [r.macroPrecision, r.macroRecall, r.macroF1]), ("micro", [r.microPrecision, r.microRecall, r.microF1]),
                               ("samples", [r.samplesPrecision, r.samplesRecall, r.samplesF1])] {
            let a = dict(ref[name])
            XCTAssertLessThan(maxDiff(values, [double(a["precision"]), double(a["recall"]), double(a["f1"])]), tol, name, file: file, line: line)
        }
    }
}
