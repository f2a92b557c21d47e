/// Curves on shared axes: ROC curves (false-positive rate → true-positive rate), precision–recall curves, a
/// score against shots, a genre's probability over time.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    public var series: [Series]
    public var xAxisTitle: String = ""
    public var yAxisTitle: String = ""
    public var xDomain: ClosedRange<Double>? = nil
    public var yDomain: ClosedRange<Double>? = nil
    /// Draw the diagonal `y = x` (chance on a ROC plot).
    public var diagonal: Bool = false
    /// Mark each point with a dot (few points, e.g. shots).
    public var markers: Bool = false
    public var plotSize: (width: Double, height: Double) = (320, 240)

    public init(title: String, series: [Series]) {
        self.title = title
        self.series = series
    }

    public var svg: String {
        let left = 56.0, top = 40.0, (pw, ph) = plotSize
        let legendW = 20 + 7 * Double(series.map(\.name.count).max() ?? 0)
        var c = SVGCanvas(width: left + pw + legendW + 24, height: top + ph + 48, title: title)
        c.text(title, x: left, y: 20, size: 14, bold: true)
        let xs = series.flatMap { $0.points.map(\.x) }.filter(\.isFinite), ys = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        let xd = xDomain ?? (xs.min() ?? 0)...(xs.max() ?? 1), yd = yDomain ?? (ys.min() ?? 0)...(ys.max() ?? 1)
        let x = LinearScale(domain: xd, range: (left, left + pw)), y = LinearScale(domain: yd, range: (top + ph, top))
        Axis.vertical(&c, scale: y, x: left, from: left, to: left + pw, title: yAxisTitle)
        Axis.horizontal(&c, scale: x, y: top + ph, title: xAxisTitle)
        if diagonal {
            let lo = max(xd.lowerBound, yd.lowerBound), hi = min(xd.upperBound, yd.upperBound)
            c.line(x1: x(lo), y1: y(lo), x2: x(hi), y2: y(hi), stroke: "#999", dashed: true)
        }
        for (k, s) in series.enumerated() {
            let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite }.map { (x($0.x), y($0.y)) }
            c.polyline(pts, stroke: ColorScale.category(k), tooltip: s.name)
            if markers {
                for p in pts { c.rect(x: p.0 - 2.5, y: p.1 - 2.5, width: 5, height: 5, fill: ColorScale.category(k)) }
            }
        }
        Legend.draw(&c, names: series.map(\.name), x: left + pw + 16, y: top)
        return c.svg
    }
}
