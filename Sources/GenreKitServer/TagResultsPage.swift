import Foundation
import GenreKit

/// The page `/v1/tag?format=html` answers: the server-rendered fallback of the web page, for the form it shows
/// without JavaScript. It is `genrekit tag --report`'s page (``TagBatchPage``: each file's taggram as an SVG heat
/// map, windows × tags, and the batch's tag bars, drawn by GenreKitCharts), with the files that were refused and
/// a link back to the form.
enum TagResultsPage {
    static func html(model: String, top: Int, results: [PartResult]) -> String {
        var analyses: [FileAnalysis] = [], failures: [(path: String, message: String)] = []
        for r in results {
            if let a = r.record?.analysis { analyses.append(a) } else { failures.append((r.filename, r.problem?.detail ?? "status \(r.status)")) }
        }
        let page = TagBatchPage.html(analyses: analyses, failures: failures, top: top, model: model)
        return page.replacingOccurrences(of: "</main>", with: "<p><a href=\"/\">Tag more files</a></p></main>")
    }
}
