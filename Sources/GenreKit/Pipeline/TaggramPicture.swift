import Foundation

/// Renders a taggram as an SVG heat map: tags on the vertical axis, time on the horizontal axis, darker = more
/// probable, with labelled axes and a colour scale.
public enum TaggramPicture {
    public static func svg(_ analysis: FileAnalysis, title: String? = nil) -> String {
        let w = analysis.taggram.shape[0], n = analysis.tags.count
        let cellW = max(4.0, min(24.0, 900.0 / Double(max(w, 1)))), cellH = 14.0
        let left = 130.0, top = 40.0, bottom = 50.0
        let width = left + cellW * Double(max(w, 1)) + 80, height = top + cellH * Double(n) + bottom
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="10">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="20" font-size="13">\(escape(title ?? (analysis.path as NSString).lastPathComponent)) — taggram</text>

        """
        for j in 0..<n {
            let y = top + Double(j) * cellH
            s += "<text x=\"\(left - 6)\" y=\"\(y + cellH - 3)\" text-anchor=\"end\">\(escape(analysis.tags[j]))</text>\n"
            for i in 0..<w {
                let p = Double(analysis.taggram.values[i * n + j])
                s += "<rect x=\(fmt(left + Double(i) * cellW)) y=\(fmt(y)) width=\(fmt(cellW)) height=\(fmt(cellH)) fill=\"\(color(p))\"><title>\(escape(analysis.tags[j])) @ \(fmt(analysis.windowStarts[i])) s: \(String(format: "%.3f", p))</title></rect>\n"
            }
        }
        let axisY = top + cellH * Double(n)
        let every = max(1, w / 10)
        for i in stride(from: 0, to: w, by: every) {
            let x = left + Double(i) * cellW
            s += "<line x1=\(fmt(x)) y1=\(fmt(axisY)) x2=\(fmt(x)) y2=\(fmt(axisY + 4)) stroke=\"black\"/>"
            let t = analysis.windowStarts[i]
            let label = t == t.rounded() ? String(format: "%.0f", t) : String(format: "%.1f", t)
            s += "<text x=\(fmt(x)) y=\(fmt(axisY + 16)) text-anchor=\"middle\">\(label)</text>\n"
        }
        s += "<text x=\(fmt(left + cellW * Double(w) / 2)) y=\(fmt(axisY + 36)) text-anchor=\"middle\">time (s, window start)</text>\n"
        let lx = left + cellW * Double(max(w, 1)) + 20
        for k in 0...10 {
            let p = 1 - Double(k) / 10
            s += "<rect x=\(fmt(lx)) y=\(fmt(top + Double(k) * 12)) width=\"14\" height=\"12\" fill=\"\(color(p))\"/>"
            if k % 5 == 0 { s += "<text x=\(fmt(lx + 18)) y=\(fmt(top + Double(k) * 12 + 10))>\(String(format: "%.1f", p))</text>" }
        }
        return s + "\n</svg>\n"
    }

    private static func color(_ p: Double) -> String {
        let v = Int((255 * (1 - min(1, max(0, p)))).rounded())
        return String(format: "#%02x%02x%02x", v, v, min(255, v + 40))
    }
    private static func fmt(_ x: Double) -> String { "\"" + String(format: "%.1f", x) + "\"" }
    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
