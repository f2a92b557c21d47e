import Foundation
import GenreKitCharts
import GenreKitLearning

/// The HTML report of `genrekit evaluate --report`: confusion matrices (counts and row-normalised) at song and
/// segment level, per-class precision / recall / F1, one-vs-rest ROC and precision–recall curves per class with
/// their areas, and the misclassified songs with their top predictions and window probabilities over time.
public enum EvaluationPage {
    /// - Parameters:
    ///   - report: the metrics (`GenreModelRunner.evaluate`).
    ///   - outcomes: the same songs one by one (`GenreModelRunner.outcomes`).
    ///   - labels: class names, index = class.
    ///   - subtitle: what was evaluated on what (model, data, split), shown under the title.
    public static func html(report: EvaluationReport, outcomes: [SongOutcome], labels: [String],
                            title: String = "GenreKit evaluation", subtitle: String = "") -> String {
        var page = HTMLPage(title: title)
        if !subtitle.isEmpty { page.paragraph(subtitle) }
        page.table(header: ["level", "items", "accuracy", "balanced accuracy", "macro F1", "macro ROC-AUC", "macro PR-AUC"],
                   rows: [summaryRow("song (\(report.aggregation))", report.song), summaryRow("segment (window)", report.segment)],
                   caption: "Summary")
        page.heading("Confusion matrices")
        page.figures([confusion(report.song, labels, "Song level: counts", normalised: false),
                      confusion(report.song, labels, "Song level: share of each true class", normalised: true)])
        page.figures([confusion(report.segment, labels, "Segment level: counts", normalised: false),
                      confusion(report.segment, labels, "Segment level: share of each true class", normalised: true)])
        page.heading("Per-class precision, recall and F1")
        page.figures([classBars(report.song, labels, "Song level"), classBars(report.segment, labels, "Segment level")])
        page.heading("One-vs-rest ROC and precision–recall curves")
        let songScores = outcomes.map(\.probabilities), songTruth = outcomes.map(\.trueLabel)
        let windowScores = outcomes.flatMap(\.windowProbabilities)
        let windowTruth = outcomes.flatMap { o in [Int](repeating: o.trueLabel, count: o.windowProbabilities.count) }
        page.figures(curves(truth: songTruth, scores: songScores, labels: labels, level: "Song level"))
        page.figures(curves(truth: windowTruth, scores: windowScores, labels: labels, level: "Segment level"))
        misclassified(&page, outcomes, labels)
        return page.html
    }

    static func summaryRow(_ name: String, _ r: ClassificationReport) -> [String] {
        func f(_ v: Double?) -> String { v.map { $0.isFinite ? String(format: "%.3f", $0) : "–" } ?? "–" }
        return [name, String(r.sampleCount), f(r.accuracy), f(r.balancedAccuracy), f(r.macro.f1), f(r.rocAUCMacro), f(r.averagePrecisionMacro)]
    }

    /// Confusion heat map, rows = true class; `normalised` divides each row by its count (recall on the diagonal).
    public static func confusion(_ r: ClassificationReport, _ labels: [String], _ title: String, normalised: Bool) -> String {
        let values = r.confusionMatrix.map { row -> [Double] in
            let total = Double(row.reduce(0, +))
            return row.map { normalised ? (total > 0 ? Double($0) / total : 0) : Double($0) }
        }
        var h = HeatMap(title: title, values: values, rowLabels: labels, columnLabels: labels)
        h.rowAxisTitle = "true class"
        h.columnAxisTitle = "predicted class"
        h.valueDigits = normalised ? 2 : 0
        if normalised { h.colorDomain = 0...1 }
        return h.svg
    }

    static func classBars(_ r: ClassificationReport, _ labels: [String], _ title: String) -> String {
        var chart = BarChart(title: title, groups: labels, series: [
            .init(name: "precision", values: r.classes.map(\.precision)),
            .init(name: "recall", values: r.classes.map(\.recall)),
            .init(name: "F1", values: r.classes.map(\.f1)),
        ])
        chart.yDomain = 0...1
        return chart.svg
    }

    /// A ROC chart and a precision–recall chart, one curve per class with its area in the legend.
    static func curves(truth: [Int], scores: [[Double]], labels: [String], level: String) -> [String] {
        var roc: [LineChart.Series] = [], pr: [LineChart.Series] = []
        for (c, name) in labels.enumerated() {
            let positives = truth.map { $0 == c }, s = scores.map { $0[c] }
            if let curve = Metrics.rocCurve(positives: positives, scores: s) {
                let auc = Metrics.rocAUC(positives: positives, scores: s)
                roc.append(.init(name: "\(name) (\(String(format: "%.2f", auc)))", points: zip(curve.x, curve.y).map { ($0, $1) }))
            }
            if let curve = Metrics.precisionRecallCurve(positives: positives, scores: s) {
                let ap = Metrics.averagePrecision(positives: positives, scores: s)
                pr.append(.init(name: "\(name) (\(String(format: "%.2f", ap)))", points: zip(curve.x, curve.y).map { ($0, $1) }))
            }
        }
        var rocChart = LineChart(title: "\(level): ROC (AUC)", series: roc)
        rocChart.xAxisTitle = "false-positive rate"; rocChart.yAxisTitle = "true-positive rate"
        rocChart.xDomain = 0...1; rocChart.yDomain = 0...1; rocChart.diagonal = true
        var prChart = LineChart(title: "\(level): precision–recall (AP)", series: pr)
        prChart.xAxisTitle = "recall"; prChart.yAxisTitle = "precision"
        prChart.xDomain = 0...1; prChart.yDomain = 0...1
        return [rocChart.svg, prChart.svg]
    }

    static func misclassified(_ page: inout HTMLPage, _ outcomes: [SongOutcome], _ labels: [String]) {
        let wrong = outcomes.filter { !$0.isCorrect }
        page.heading("Misclassified songs (\(wrong.count) of \(outcomes.count))")
        guard !wrong.isEmpty else { return page.paragraph("Every song was classified correctly.") }
        func name(_ i: Int) -> String { labels.indices.contains(i) ? labels[i] : "?" }
        page.table(header: ["song", "true", "predicted", "top predictions"], rows: wrong.map { o in
            [o.id, name(o.trueLabel), name(o.predicted), o.top(3).map { "\(name($0.label)) \(String(format: "%.2f", $0.probability))" }.joined(separator: ", ")]
        })
        var maps: [String] = []
        for o in wrong where !o.windowProbabilities.isEmpty {
            let columns = o.windowStarts.count == o.windowProbabilities.count
                ? o.windowStarts.map { String(format: "%.0f s", $0) } : o.windowProbabilities.indices.map { "w\($0)" }
            var h = HeatMap(title: "\((o.id as NSString).lastPathComponent): \(name(o.trueLabel)) predicted as \(name(o.predicted))",
                            values: labels.indices.map { c in o.windowProbabilities.map { $0[c] } },
                            rowLabels: labels, columnLabels: columns)
            h.showValues = false
            h.colorDomain = 0...1
            h.cellSize = (max(6, min(28, 600 / Double(max(1, columns.count)))), 16)
            h.columnLabelStride = max(1, columns.count / 20)
            h.columnAxisTitle = "window start"
            maps.append(h.svg)
        }
        page.figures(maps)
    }
}
