import Foundation
import GenreKitCharts

/// The SVG of a ``SaliencyMap``: the song's log-mel spectrogram in grey, the map's positive relevance over it in
/// red (opacity ∝ relevance / its maximum), time in seconds and mel-band frequency in Hz on the axes, the model,
/// class and method in the title. Cells are averaged into at most `maxColumns × 48` blocks so a long song stays a
/// small file.
public enum SaliencyPicture {
    public static func svg(_ map: SaliencyMap, maxColumns: Int = 400) -> String {
        let frames = map.logMel.shape[0], bands = map.logMel.shape[1]
        let rel = map.songRelevance
        let fStep = max(1, (frames + maxColumns - 1) / maxColumns), bStep = 2
        let cols = (frames + fStep - 1) / fStep, rows = (bands + bStep - 1) / bStep
        func block(_ t: [Float], _ c: Int, _ r: Int) -> Double {
            var s = 0.0, n = 0.0
            for f in (c * fStep)..<min(frames, (c + 1) * fStep) {
                for b in (r * bStep)..<min(bands, (r + 1) * bStep) { s += Double(t[f * bands + b]); n += 1 }
            }
            return n > 0 ? s / n : 0
        }
        let cw = max(1.0, min(6.0, 900.0 / Double(max(cols, 1)))), ch = 5.0
        let left = 70.0, top = 44.0, bottom = 50.0
        let width = left + cw * Double(cols) + 30, height = top + ch * Double(rows) + bottom
        let title = "\((map.path as NSString).lastPathComponent) — \(map.label) (\(map.model), \(map.method.rawValue))"
        var c = SVGCanvas(width: width, height: height, title: title)
        c.text(title, x: left, y: 18, size: 13, bold: true)
        c.text("grey: log-mel spectrogram; red: relevance of the class (positive part)", x: left, y: 34, size: 10)
        let melMax = Double(map.logMel.values.max() ?? 1), relMax = Double(rel.values.max() ?? 0)
        c.beginGroup(cssClass: "saliency-cells")
        for col in 0..<cols {
            for row in 0..<rows {
                let g = melMax > 0 ? block(map.logMel.values, col, row) / melMax : 0
                let a = relMax > 0 ? max(0, block(rel.values, col, row)) / relMax : 0
                let grey = 255 * (1 - min(1, max(0, g)))
                let red = (grey * (1 - a) + 255 * a), other = grey * (1 - a)
                let fill = String(format: "#%02x%02x%02x", Int(red.rounded()), Int(other.rounded()), Int(other.rounded()))
                // Low bands at the bottom.
                c.rect(x: left + Double(col) * cw, y: top + Double(rows - 1 - row) * ch, width: cw, height: ch, fill: fill)
            }
        }
        c.endGroup()
        let axisY = top + ch * Double(rows)
        let seconds = Double(frames) * SaliencyMap.frameSeconds
        let tickStep = [1.0, 2, 5, 10, 15, 30, 60, 120, 300, 600].first { seconds / $0 <= 12 } ?? 600
        for t in stride(from: 0.0, through: seconds, by: tickStep) {
            let x = left + t / SaliencyMap.frameSeconds / Double(fStep) * cw
            c.line(x1: x, y1: axisY, x2: x, y2: axisY + 4, stroke: "#000000")
            c.text(String(format: "%.0f", t), x: x, y: axisY + 16, size: 10, anchor: "middle")
        }
        c.text("time (s)", x: left + cw * Double(cols) / 2, y: axisY + 36, size: 11, anchor: "middle")
        let hz = SaliencyMap.bandHz
        for b in stride(from: 0, to: bands, by: 16) {
            let y = top + Double(rows) * ch - (Double(b) / Double(bStep) + 0.5) * ch
            c.text(hz[b] >= 1000 ? String(format: "%.1fk", hz[b] / 1000) : String(format: "%.0f", hz[b]), x: left - 6, y: y + 3,
                   size: 10, anchor: "end")
        }
        c.text("mel band (Hz)", x: 14, y: top + ch * Double(rows) / 2, size: 11, anchor: "middle", rotate: -90)
        return c.svg
    }
}
