import Foundation
import GenreKitLearning

/// Choi et al.'s experiment design on the user's data: every feature specification through the same classifier
/// and the same song-level stratified k folds, compared in one table.
public struct FeatureStudy: Sendable {
    public var trainer: Trainer
    public var folds: Int
    public var seed: UInt64

    /// `trainer` fits each fold (its own `folds` is the inner model selection; 1 = the classifier's defaults).
    public init(trainer: Trainer, folds: Int = 5, seed: UInt64 = 0) {
        self.trainer = trainer; self.folds = folds; self.seed = seed
    }

    /// Mean and population standard deviation over folds.
    public struct Score: Codable, Sendable {
        public var mean: Double
        public var std: Double
        public var folds: [Double]
        init(_ v: [Double]) {
            let m = v.reduce(0, +) / Double(max(v.count, 1))
            folds = v
            mean = m
            std = (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(v.count, 1))).squareRoot()
        }
    }

    /// One feature specification's scores at song level.
    public struct Row: Codable, Sendable {
        public var features: String
        public var dimensions: Int
        public var accuracy: Score
        public var macroF1: Score
        public var rocAUC: Score
        public var prAUC: Score
    }

    /// Runs the study. `sets` are the same songs featurised by each specification (songs missing from any set are
    /// left out of all, so every row sees the same folds).
    public func run(_ sets: [(spec: String, set: FeatureSet)], log: @escaping (String) -> Void = { _ in }) throws -> [Row] {
        guard let first = sets.first else { return [] }
        var common = Set(first.set.items.map(\.id))
        for s in sets.dropFirst() { common.formIntersection(s.set.items.map(\.id)) }
        let ids = first.set.items.map(\.id).filter { common.contains($0) }
        let labels = first.set.labels
        let dataset = Dataset(items: ids.map { id in LabeledItem(path: id, label: labels[first.set.items.first { $0.id == id }!.label]) })
        let assignment = try dataset.stratifiedFolds(folds, seed: seed)
        var rows: [Row] = []
        for (spec, set) in sets {
            let byId = Dictionary(uniqueKeysWithValues: set.items.map { ($0.id, $0) })
            let items = ids.map { byId[$0]! }
            var acc: [Double] = [], f1: [Double] = [], roc: [Double] = [], pr: [Double] = []
            for fold in assignment {
                let model = try trainer.train(fold.train.map { items[$0] }, labels: labels, featureSpec: spec)
                let report = GenreModelRunner(model: model).evaluate(fold.test.map { items[$0] }, aggregation: trainer.defaultAggregation).song
                acc.append(report.accuracy); f1.append(report.macro.f1)
                roc.append(report.rocAUCMacro ?? .nan); pr.append(report.averagePrecisionMacro ?? .nan)
            }
            let row = Row(features: spec, dimensions: items.first?.dimension ?? 0, accuracy: Score(acc), macroF1: Score(f1),
                          rocAUC: Score(roc), prAUC: Score(pr))
            log(String(format: "%@: accuracy %.3f ± %.3f", spec, row.accuracy.mean, row.accuracy.std))
            rows.append(row)
        }
        return rows
    }

    /// The comparison as a text table.
    public static func table(_ rows: [Row]) -> String {
        let w = max(8, rows.map(\.features.count).max() ?? 0)
        func c(_ s: Score) -> String { String(format: "%.3f ± %.3f", s.mean, s.std) }
        var out = "features".padding(toLength: w, withPad: " ", startingAt: 0) + "   dims   accuracy        macro F1        ROC-AUC         PR-AUC\n"
        for r in rows {
            out += r.features.padding(toLength: w, withPad: " ", startingAt: 0) + String(format: "  %5d   ", r.dimensions)
                + [c(r.accuracy), c(r.macroF1), c(r.rocAUC), c(r.prAUC)].joined(separator: "   ") + "\n"
        }
        return out
    }

    /// The comparison as CSV (means and standard deviations).
    public static func csv(_ rows: [Row]) -> String {
        var out = "features,dimensions,accuracy_mean,accuracy_std,macro_f1_mean,macro_f1_std,roc_auc_mean,roc_auc_std,pr_auc_mean,pr_auc_std\n"
        for r in rows {
            let cells = [r.accuracy, r.macroF1, r.rocAUC, r.prAUC].flatMap { [$0.mean, $0.std] }.map { String(format: "%.6f", $0) }
            out += "\"\(r.features)\",\(r.dimensions)," + cells.joined(separator: ",") + "\n"
        }
        return out
    }

    /// The comparison as a small HTML page (best mean per column in bold).
    public static func html(_ rows: [Row], title: String) -> String {
        let columns: [(String, (Row) -> Score)] = [("accuracy", \.accuracy), ("macro F1", \.macroF1), ("ROC-AUC", \.rocAUC), ("PR-AUC", \.prAUC)]
        var s = "<!doctype html><meta charset=\"utf-8\"><title>\(title)</title><style>body{font-family:sans-serif}td,th{padding:4px 10px;text-align:right}td:first-child{text-align:left}</style>"
        s += "<h1>\(title)</h1><table><tr><th>features</th><th>dims</th>" + columns.map { "<th>\($0.0)</th>" }.joined() + "</tr>"
        for r in rows {
            s += "<tr><td>\(r.features)</td><td>\(r.dimensions)</td>"
            for (_, get) in columns {
                let best = rows.map { get($0).mean }.filter { !$0.isNaN }.max()
                let v = get(r)
                let text = String(format: "%.3f ± %.3f", v.mean, v.std)
                s += "<td>" + (v.mean == best ? "<b>\(text)</b>" : text) + "</td>"
            }
            s += "</tr>"
        }
        return s + "</table>\n"
    }
}
