/// Axes with round ticks, light grid lines and a title.
enum Axis {
    /// A value axis at `x` with grid lines across `[from, to]`.
    static func vertical(_ c: inout SVGCanvas, scale: LinearScale, x: Double, from: Double, to: Double, title: String) {
        c.beginGroup(cssClass: "axis y")
        for t in scale.ticks() {
            let y = scale(t)
            c.line(x1: from, y1: y, x2: to, y2: y, stroke: "#e3e3e3")
            c.text(tickLabel(t), x: x - 6, y: y + 4, size: 11, anchor: "end")
        }
        c.line(x1: x, y1: scale.range.0, x2: x, y2: scale.range.1, stroke: "#444")
        if !title.isEmpty {
            c.text(title, x: 14, y: (scale.range.0 + scale.range.1) / 2, size: 12, anchor: "middle", rotate: -90)
        }
        c.endGroup()
    }

    /// A horizontal axis at `y`.
    static func horizontal(_ c: inout SVGCanvas, scale: LinearScale, y: Double, title: String) {
        c.beginGroup(cssClass: "axis x")
        c.line(x1: scale.range.0, y1: y, x2: scale.range.1, y2: y, stroke: "#444")
        for t in scale.ticks() {
            let x = scale(t)
            c.line(x1: x, y1: y, x2: x, y2: y + 4, stroke: "#444")
            c.text(tickLabel(t), x: x, y: y + 16, size: 11, anchor: "middle")
        }
        if !title.isEmpty { c.text(title, x: (scale.range.0 + scale.range.1) / 2, y: y + 34, size: 12, anchor: "middle") }
        c.endGroup()
    }

    /// `0.5`, `10`, `0.25`: as few decimals as the value needs (at most 3).
    static func tickLabel(_ v: Double) -> String {
        for d in 0...3 {
            let s = SVG.label(v, digits: d)
            if abs((Double(s) ?? v) - v) < 1e-9 { return s }
        }
        return SVG.label(v, digits: 3)
    }
}

/// A column of colour swatches with names.
enum Legend {
    static func draw(_ c: inout SVGCanvas, names: [String], x: Double, y: Double) {
        guard names.count > 1 else { return }
        c.beginGroup(cssClass: "legend")
        for (k, name) in names.enumerated() {
            let yy = y + Double(k) * 18
            c.rect(x: x, y: yy, width: 12, height: 12, fill: ColorScale.category(k))
            c.text(name, x: x + 18, y: yy + 10, size: 11)
        }
        c.endGroup()
    }
}
