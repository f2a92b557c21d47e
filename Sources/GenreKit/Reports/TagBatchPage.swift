import Foundation
import GenreKitCharts

/// The HTML report of `genrekit tag --report`: the batch's tag distribution (mean song score of each tag over the
/// files, and how many files have it among their top tags), then one taggram per file (tags × windows over time)
/// with its top tags, and the files that could not be read.
public enum TagBatchPage {
    /// - Parameters:
    ///   - analyses: the files that were tagged.
    ///   - failures: `(path, one-line message)` of the files that were not.
    ///   - top: how many top tags count per file.
    ///   - taggramTags: rows of each taggram: the batch's most frequent top tags (all tags when the model has ≤ this many).
    public static func html(analyses: [FileAnalysis], failures: [(path: String, message: String)] = [], top: Int = 5,
                            model: String, taggramTags: Int = 20) -> String {
        var page = HTMLPage(title: "GenreKit tags: \(model)")
        page.paragraph("\(analyses.count) files tagged, \(failures.count) failed.")
        guard let tags = analyses.first?.tags else {
            failuresTable(&page, failures)
            return page.html
        }
        // Distribution over the batch.
        var meanScore = [Double](repeating: 0, count: tags.count), inTop = [Int](repeating: 0, count: tags.count)
        for a in analyses {
            let s = a.songScores ?? a.meanScores
            for j in tags.indices { meanScore[j] += Double(s[j]) / Double(analyses.count) }
            for t in a.topTags(top) { if let j = tags.firstIndex(of: t.tag) { inTop[j] += 1 } }
        }
        let ranked = tags.indices.sorted { (inTop[$0], meanScore[$0]) > (inTop[$1], meanScore[$1]) || ((inTop[$0], meanScore[$0]) == (inTop[$1], meanScore[$1]) && $0 < $1) }
        let shown = Array(ranked.prefix(min(tags.count, max(top, taggramTags))))
        page.heading("Tag distribution")
        var counts = BarChart(title: "Files with the tag among their top \(top)", groups: shown.map { tags[$0] },
                              series: [.init(name: "files", values: shown.map { Double(inTop[$0]) })])
        counts.yAxisTitle = "files"
        var means = BarChart(title: "Mean song score over the batch", groups: shown.map { tags[$0] },
                             series: [.init(name: "mean score", values: shown.map { meanScore[$0] })])
        means.yAxisTitle = "score"
        page.figures([counts.svg, means.svg])
        page.heading("Taggrams")
        var maps: [String] = []
        for a in analyses {
            let windows = a.taggram.shape[0], n = tags.count
            let rows = tags.count <= taggramTags ? Array(tags.indices) : shown
            var h = HeatMap(title: "\((a.path as NSString).lastPathComponent): "
                                + a.topTags(min(top, 3)).map { "\($0.tag) \(String(format: "%.2f", $0.score))" }.joined(separator: ", "),
                            values: rows.map { j in (0..<windows).map { Double(a.taggram.values[$0 * n + j]) } },
                            rowLabels: rows.map { tags[$0] },
                            columnLabels: a.windowStarts.map { String(format: "%.0f s", $0) })
            h.showValues = false
            h.colorDomain = 0...1
            h.cellSize = (max(4, min(24, 640 / Double(max(1, windows)))), 14)
            h.columnLabelStride = max(1, windows / 16)
            h.columnAxisTitle = "window start"
            maps.append(h.svg)
        }
        page.figures(maps)
        failuresTable(&page, failures)
        return page.html
    }

    static func failuresTable(_ page: inout HTMLPage, _ failures: [(path: String, message: String)]) {
        guard !failures.isEmpty else { return }
        page.heading("Files not tagged")
        page.table(header: ["file", "error"], rows: failures.map { [$0.path, $0.message] })
    }
}
