import Foundation

/// An SVG picture built element by element: every chart in GenreKit draws into one.
///
/// Output is deterministic (coordinates with at most two decimals, attributes in a fixed order), so the same data
/// gives the same bytes on every machine, and tests can compare the structure of what was drawn.
public struct SVGCanvas: Sendable {
    public let width: Double
    public let height: Double
    /// What the picture shows, for screen readers (`role="img"`, `<title>`).
    public let title: String
    private var body: [String] = []

    public init(width: Double, height: Double, title: String) {
        self.width = width
        self.height = height
        self.title = title
    }

    /// A rectangle; `tooltip` becomes its `<title>` (shown on hover).
    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String? = nil, cssClass: String? = nil, tooltip: String? = nil,
                              data: [(String, String)] = []) {
        var a = "x=\"\(SVG.number(x))\" y=\"\(SVG.number(y))\" width=\"\(SVG.number(max(0, width)))\" height=\"\(SVG.number(max(0, height)))\" fill=\"\(fill)\""
        if let stroke { a += " stroke=\"\(stroke)\"" }
        if let cssClass { a += " class=\"\(SVG.escape(cssClass))\"" }
        for (k, v) in data { a += " data-\(k)=\"\(SVG.escape(v))\"" }
        if let tooltip { body.append("<rect \(a)><title>\(SVG.escape(tooltip))</title></rect>") } else { body.append("<rect \(a)/>") }
    }

    /// A straight line.
    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dashed: Bool = false) {
        body.append("<line x1=\"\(SVG.number(x1))\" y1=\"\(SVG.number(y1))\" x2=\"\(SVG.number(x2))\" y2=\"\(SVG.number(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(SVG.number(width))\"\(dashed ? " stroke-dasharray=\"4 3\"" : "")/>")
    }

    /// A polyline through `points` (a curve), no fill.
    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, tooltip: String? = nil) {
        let p = points.map { "\(SVG.number($0.0)),\(SVG.number($0.1))" }.joined(separator: " ")
        let open = "<polyline points=\"\(p)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(SVG.number(width))\""
        if let tooltip { body.append(open + "><title>\(SVG.escape(tooltip))</title></polyline>") } else { body.append(open + "/>") }
    }

    /// Text at `(x, y)`; `anchor` is `start`, `middle` or `end`; `rotate` in degrees about the anchor point.
    public mutating func text(_ s: String, x: Double, y: Double, size: Double = 12, anchor: String = "start",
                              fill: String = "#222", bold: Bool = false, rotate: Double = 0) {
        var a = "x=\"\(SVG.number(x))\" y=\"\(SVG.number(y))\" font-size=\"\(SVG.number(size))\" text-anchor=\"\(anchor)\" fill=\"\(fill)\""
        if bold { a += " font-weight=\"bold\"" }
        if rotate != 0 { a += " transform=\"rotate(\(SVG.number(rotate)) \(SVG.number(x)) \(SVG.number(y)))\"" }
        body.append("<text \(a)>\(SVG.escape(s))</text>")
    }

    /// Opens a group (`<g>`) with an optional class; close it with ``endGroup()``.
    public mutating func beginGroup(cssClass: String? = nil, label: String? = nil) {
        var a = ""
        if let cssClass { a += " class=\"\(SVG.escape(cssClass))\"" }
        if let label { a += " aria-label=\"\(SVG.escape(label))\"" }
        body.append("<g\(a)>")
    }

    public mutating func endGroup() { body.append("</g>") }

    /// The finished `<svg>` element (no XML prolog, so it can be inlined in HTML or written as a file).
    public var svg: String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(SVG.number(width)) \(SVG.number(height))\" width=\"\(SVG.number(width))\" height=\"\(SVG.number(height))\" role=\"img\" aria-label=\"\(SVG.escape(title))\" font-family=\"sans-serif\"><title>\(SVG.escape(title))</title>"
            + body.joined() + "</svg>"
    }
}

/// Formatting shared by the charts.
public enum SVG {
    /// Escapes `&`, `<`, `>`, `"` and `'` for text and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A coordinate with at most two decimals and no trailing zeros (`12`, `12.5`, `12.25`); non-finite → `0`.
    public static func number(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let r = (v * 100).rounded() / 100
        if r == r.rounded() { return String(Int(r)) }
        var s = String(format: "%.2f", r)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }

    /// A value for a label: `digits` decimals.
    public static func label(_ v: Double, digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }
}
