import GenreKitCharts

/// A self-contained HTML page (inline CSS, SVG charts drawn by GenreKit, no scripts or files from elsewhere).
public struct HTMLPage: Sendable {
    public var title: String
    private var parts: [String] = []

    public init(title: String) { self.title = title }

    /// A heading with an `id` made from its first words (`#misclassified-songs`), for links into the page.
    public mutating func heading(_ text: String, level: Int = 2) {
        let slug = text.lowercased().split { !$0.isLetter && !$0.isNumber }.prefix(2).joined(separator: "-")
        parts.append("<h\(level) id=\"\(slug)\">\(SVG.escape(text))</h\(level)>")
    }
    public mutating func paragraph(_ text: String) { parts.append("<p>\(SVG.escape(text))</p>") }
    /// Markup written as is (an SVG chart, a prepared element).
    public mutating func raw(_ html: String) { parts.append(html) }
    /// Charts side by side, wrapping on narrow screens.
    public mutating func figures(_ svgs: [String]) { parts.append("<div class=\"figs\">" + svgs.map { "<figure>\($0)</figure>" }.joined() + "</div>") }

    /// A table; the first column is left-aligned, the others right-aligned. Cells are escaped.
    public mutating func table(header: [String], rows: [[String]], caption: String? = nil) {
        var s = "<table>"
        if let caption { s += "<caption>\(SVG.escape(caption))</caption>" }
        s += "<thead><tr>" + header.map { "<th scope=\"col\">\(SVG.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for r in rows { s += "<tr>" + r.map { "<td>\(SVG.escape($0))</td>" }.joined() + "</tr>" }
        parts.append(s + "</tbody></table>")
    }

    public var html: String {
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">"
            + "<title>\(SVG.escape(title))</title><style>\(Self.css)</style></head><body><main><h1>\(SVG.escape(title))</h1>"
            + parts.joined(separator: "\n") + "</main></body></html>\n"
    }

    static let css = "body{font-family:system-ui,sans-serif;margin:24px;color:#222}main{max-width:1200px}"
        + "table{border-collapse:collapse;margin:8px 0 16px}td,th{padding:3px 10px;text-align:right;border-bottom:1px solid #ddd}"
        + "td:first-child,th:first-child{text-align:left}caption{text-align:left;font-weight:bold;padding:4px 0}"
        + ".figs{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}svg{max-width:100%;height:auto}"
}
