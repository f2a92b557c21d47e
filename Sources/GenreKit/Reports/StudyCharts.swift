import GenreKitCharts
import GenreKitLearning

/// Charts of a feature study (`genrekit study --out x.html`): each measure's mean per feature specification, with
/// the 95 % confidence interval of the mean over folds as whiskers (`t₀.₉₇₅,ₙ₋₁ · s/√n`; none for a held-out test).
public enum StudyCharts {
    /// The study page: the table (``FeatureStudy/html(_:title:)``) and the chart.
    public static func page(_ rows: [FeatureStudy.Row], title: String) -> String {
        FeatureStudy.html(rows, title: title) + "<figure>" + svg(rows) + "</figure>\n"
    }

    public static func svg(_ rows: [FeatureStudy.Row]) -> String {
        let measures: [(String, KeyPath<FeatureStudy.Row, FeatureStudy.Score>)] =
            [("accuracy", \.accuracy), ("macro F1", \.macroF1), ("ROC-AUC", \.rocAUC), ("PR-AUC", \.prAUC)]
        let series = rows.map { r in
            BarChart.Series(name: r.features, values: measures.map { r[keyPath: $0.1].mean },
                            halfWidths: measures.map { halfWidth(r[keyPath: $0.1].folds) })
        }
        var chart = BarChart(title: "Song-level scores by feature specification (95 % CI over folds)", groups: measures.map(\.0), series: series)
        chart.yDomain = 0...1
        return chart.svg
    }

    /// Half-width of the 95 % confidence interval of the mean; 0 for a single score.
    static func halfWidth(_ values: [Double]) -> Double {
        values.count < 2 ? 0 : MeanConfidenceInterval(values).halfWidth
    }
}

/// Charts of a few-shot run (`genrekit fewshot --out x.html`): macro ROC-AUC and PR-AUC against shots, one curve
/// per feature specification and ways; and bars per setting with their 95 % confidence intervals.
public enum FewShotCharts {
    /// The few-shot page: the table (``FewShotTable/html(_:title:)``) and the charts.
    public static func page(_ rows: [FewShotRow], title: String) -> String {
        FewShotTable.html(rows, title: title) + "<div style=\"display:flex;flex-wrap:wrap;gap:16px\">"
            + svgs(rows).map { "<figure>\($0)</figure>" }.joined() + "</div>\n"
    }

    public static func svgs(_ rows: [FewShotRow]) -> [String] {
        var out: [String] = []
        for (name, get) in [("ROC-AUC", \FewShotRow.rocAUC), ("PR-AUC", \FewShotRow.prAUC)] as [(String, KeyPath<FewShotRow, MeanConfidenceInterval>)] {
            var series: [LineChart.Series] = []
            var keys: [String] = []
            for r in rows where !keys.contains(key(r)) { keys.append(key(r)) }
            for k in keys {
                let points = rows.filter { key($0) == k }.sorted { $0.setting.shots < $1.setting.shots }
                    .map { (x: Double($0.setting.shots), y: $0[keyPath: get].mean) }
                series.append(.init(name: k, points: points))
            }
            var chart = LineChart(title: "Macro \(name) against shots", series: series)
            chart.xAxisTitle = "shots (positive support songs per tag)"
            chart.yAxisTitle = "macro \(name)"
            chart.yDomain = 0...1
            chart.markers = true
            out.append(chart.svg)
            let settings = rows.reduce(into: [FewShotSetting]()) { if !$0.contains($1.setting) { $0.append($1.setting) } }
            let features = rows.reduce(into: [String]()) { if !$0.contains($1.features) { $0.append($1.features) } }
            let bars = features.map { f in
                BarChart.Series(name: f,
                                values: settings.map { s in rows.first { $0.features == f && $0.setting == s }?[keyPath: get].mean ?? .nan },
                                halfWidths: settings.map { s in rows.first { $0.features == f && $0.setting == s }?[keyPath: get].halfWidth ?? 0 })
            }
            var barChart = BarChart(title: "Macro \(name) per setting (95 % CI over episodes)",
                                    groups: settings.map { "\($0.ways)-way \($0.shots)-shot" }, series: bars)
            barChart.yDomain = 0...1
            out.append(barChart.svg)
        }
        return out
    }

    static func key(_ r: FewShotRow) -> String { "\(r.features), \(r.setting.ways)-way" }
}
