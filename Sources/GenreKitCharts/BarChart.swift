/// Grouped vertical bars with optional whiskers: per-class precision / recall / F1, or a study's mean score per
/// feature specification with its confidence interval (`mean ± halfWidth`).
public struct BarChart: Sendable {
    /// One series (one colour): a value per group, and optionally the half-width of its interval.
    public struct Series: Sendable {
        public var name: String
        public var values: [Double]
        public var halfWidths: [Double]?
        public init(name: String, values: [Double], halfWidths: [Double]? = nil) {
            self.name = name
            self.values = values
            self.halfWidths = halfWidths
        }
    }

    public var title: String
    public var groups: [String]
    public var series: [Series]
    public var yAxisTitle: String = ""
    /// The value axis; nil fits the data (from 0).
    public var yDomain: ClosedRange<Double>? = nil
    public var groupWidth: Double = 0

    public init(title: String, groups: [String], series: [Series]) {
        self.title = title
        self.groups = groups
        self.series = series
    }

    public var svg: String {
        let plotH = 220.0, left = 56.0, top = 40.0
        let barW = 14.0, gw = groupWidth > 0 ? groupWidth : max(40, Double(series.count) * barW + 16)
        let bottom = 18 + 7 * 0.75 * Double(groups.map(\.count).max() ?? 0)
        let legendW = 20 + 7 * Double(series.map(\.name.count).max() ?? 0)
        var c = SVGCanvas(width: left + Double(groups.count) * gw + legendW + 24, height: top + plotH + bottom, title: title)
        c.text(title, x: left, y: 20, size: 14, bold: true)
        let tops = series.flatMap { s in s.values.enumerated().map { $1 + (s.halfWidths?[safe: $0] ?? 0) } }.filter(\.isFinite)
        let domain = yDomain ?? 0...max(tops.max() ?? 1, 1e-12)
        let y = LinearScale(domain: domain, range: (top + plotH, top))
        Axis.vertical(&c, scale: y, x: left, from: left, to: left + Double(groups.count) * gw, title: yAxisTitle)
        for (g, name) in groups.enumerated() {
            let gx = left + Double(g) * gw + (gw - Double(series.count) * barW) / 2
            for (k, s) in series.enumerated() {
                guard let v = s.values[safe: g], v.isFinite else { continue }
                let x = gx + Double(k) * barW
                let y0 = y(max(domain.lowerBound, 0)), y1 = y(v)
                let tip = "\(name) · \(s.name): \(SVG.label(v, digits: 3))" + (s.halfWidths?[safe: g].map { " ± \(SVG.label($0, digits: 3))" } ?? "")
                c.rect(x: x, y: min(y0, y1), width: barW - 2, height: abs(y0 - y1), fill: ColorScale.category(k), cssClass: "bar", tooltip: tip)
                if let h = s.halfWidths?[safe: g], h.isFinite, h > 0 {
                    let cx = x + (barW - 2) / 2
                    c.line(x1: cx, y1: y(v - h), x2: cx, y2: y(v + h), stroke: "#222")
                    c.line(x1: cx - 3, y1: y(v - h), x2: cx + 3, y2: y(v - h), stroke: "#222")
                    c.line(x1: cx - 3, y1: y(v + h), x2: cx + 3, y2: y(v + h), stroke: "#222")
                }
            }
            c.text(name, x: left + (Double(g) + 0.5) * gw, y: top + plotH + 14, size: 11, anchor: "end", rotate: -35)
        }
        Legend.draw(&c, names: series.map(\.name), x: left + Double(groups.count) * gw + 16, y: top)
        return c.svg
    }
}
