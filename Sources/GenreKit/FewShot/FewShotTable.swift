import Foundation

/// The few-shot results as tables: aligned text, CSV, JSON and HTML. Every format has one row per (features,
/// ways, shots) with the mean macro ROC-AUC and PR-AUC over episodes and the half-width of their 95 % confidence
/// interval (Student's t, episodes − 1 degrees of freedom).
public enum FewShotTable {
    static let header = ["features", "ways", "shots", "episodes", "dims", "roc_auc", "roc_auc_ci95", "pr_auc", "pr_auc_ci95", "pr_chance"]

    static func cells(_ r: FewShotRow) -> [String] {
        func f(_ x: Double) -> String { x.isNaN ? "nan" : String(format: "%.4f", x) }
        let ways = r.setting.ways == .all ? "all(\(r.ways))" : "\(r.ways)"
        return [r.features, ways, "\(r.setting.shots)", "\(r.episodes.count)", "\(r.dimensions)",
                f(r.rocAUC.mean), f(r.rocAUC.halfWidth), f(r.prAUC.mean), f(r.prAUC.halfWidth), f(r.prChance)]
    }

    /// Whitespace-aligned columns with a header line (one row per line, no spaces inside cells).
    public static func text(_ rows: [FewShotRow]) -> String {
        let body = rows.map(cells)
        let widths = header.indices.map { c in max(header[c].count, body.map { $0[c].count }.max() ?? 0) }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, s in
                c == 0 ? s.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[c] - s.count) + s
            }.joined(separator: "  ")
        }
        return ([line(header)] + body.map(line)).joined(separator: "\n") + "\n"
    }

    /// CSV (RFC 4180 quoting of the features cell).
    public static func csv(_ rows: [FewShotRow]) -> String {
        func q(_ s: String) -> String { s.contains(where: { $0 == "," || $0 == "\"" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        return ([header.joined(separator: ",")] + rows.map { cells($0).enumerated().map { $0 == 0 ? q($1) : $1 }.joined(separator: ",") })
            .joined(separator: "\n") + "\n"
    }

    /// JSON: the rows with their episodes (per-episode macro and per-tag scores); NaN written as "nan".
    public static func json(_ rows: [FewShotRow]) throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try enc.encode(rows)
    }

    /// A small HTML page: one table per setting column group, best mean per (ways, shots) in bold.
    public static func html(_ rows: [FewShotRow], title: String) -> String {
        var s = "<!doctype html><meta charset=\"utf-8\"><title>\(title)</title><style>body{font-family:sans-serif}td,th{padding:4px 10px;text-align:right}td:first-child{text-align:left}</style>"
        s += "<h1>\(title)</h1><p>Mean macro ROC-AUC and PR-AUC over episodes ± the half-width of the 95 % confidence interval (Student's t, episodes − 1 degrees of freedom).</p>"
        s += "<table><tr><th>features</th><th>ways</th><th>shots</th><th>episodes</th><th>ROC-AUC</th><th>PR-AUC</th><th>PR chance</th></tr>"
        for r in rows {
            let peers = rows.filter { $0.setting == r.setting }
            func cell(_ v: MeanConfidenceInterval, _ all: [Double]) -> String {
                let text = String(format: "%.3f ± %.3f", v.mean, v.halfWidth)
                return "<td>" + (v.mean == all.filter { !$0.isNaN }.max() && peers.count > 1 ? "<b>\(text)</b>" : text) + "</td>"
            }
            let c = cells(r)
            s += "<tr><td>\(r.features)</td><td>\(c[1])</td><td>\(c[2])</td><td>\(c[3])</td>"
            s += cell(r.rocAUC, peers.map(\.rocAUC.mean)) + cell(r.prAUC, peers.map(\.prAUC.mean))
            s += String(format: "<td>%.3f</td></tr>", r.prChance)
        }
        return s + "</table>\n"
    }
}
