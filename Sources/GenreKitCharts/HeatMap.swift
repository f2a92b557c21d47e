/// A matrix drawn as coloured cells: a confusion matrix (rows = true class, columns = predicted) or a taggram
/// (rows = tags, columns = windows over time).
///
/// Colour is `ColorScale.sequential((v − min) / (max − min))`; cells can show their value, and every cell carries
/// its row, column and value as `data-` attributes and a hover title, so a page can read it back.
public struct HeatMap: Sendable {
    public var title: String
    /// `values[row][column]`.
    public var values: [[Double]]
    public var rowLabels: [String]
    public var columnLabels: [String]
    public var rowAxisTitle: String = ""
    public var columnAxisTitle: String = ""
    /// Show each cell's value (`valueDigits` decimals) in the cell.
    public var showValues: Bool = true
    public var valueDigits: Int = 0
    /// Colour range; nil takes the data's minimum and maximum.
    public var colorDomain: ClosedRange<Double>? = nil
    public var cellSize: (width: Double, height: Double) = (36, 28)
    /// Label every `columnLabelStride`-th column (long taggrams).
    public var columnLabelStride: Int = 1
    /// CSS class of the cells (`hm-cell` by default), e.g. for a page's click handler.
    public var cellClass: String = "hm-cell"

    public init(title: String, values: [[Double]], rowLabels: [String], columnLabels: [String]) {
        self.title = title
        self.values = values
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
    }

    /// The picture.
    public var svg: String {
        let rows = values.count, cols = values.first?.count ?? 0
        let left = 12 + 7 * Double(rowLabels.map(\.count).max() ?? 0) + (rowAxisTitle.isEmpty ? 0 : 18)
        let top = 34.0
        let bottom = 14 + 7 * Double(columnLabels.map(\.count).max() ?? 0) * 0.75 + (columnAxisTitle.isEmpty ? 0 : 18)
        let (cw, ch) = cellSize
        let width = max(left + Double(cols) * cw + 16, left + 8 * Double(title.count) + 16)   // room for the title
        var c = SVGCanvas(width: width, height: top + Double(rows) * ch + bottom, title: title)
        c.text(title, x: left, y: 20, size: 14, bold: true)
        let flat = values.flatMap { $0 }.filter(\.isFinite)
        let lo = colorDomain?.lowerBound ?? flat.min() ?? 0, hi = colorDomain?.upperBound ?? flat.max() ?? 1
        let span = hi > lo ? hi - lo : 1
        c.beginGroup(cssClass: "hm-cells")
        for r in 0..<rows {
            for k in 0..<cols {
                let v = values[r][k], t = (v - lo) / span
                let x = left + Double(k) * cw, y = top + Double(r) * ch
                let label = SVG.label(v, digits: valueDigits)
                c.rect(x: x, y: y, width: cw, height: ch, fill: ColorScale.sequential(t), stroke: "#ffffff", cssClass: cellClass,
                       tooltip: "\(rowLabels[safe: r] ?? "") · \(columnLabels[safe: k] ?? ""): \(label)",
                       data: [("row", String(r)), ("col", String(k)), ("value", label)])
                if showValues {
                    c.text(label, x: x + cw / 2, y: y + ch / 2 + 4, size: 11, anchor: "middle", fill: ColorScale.textOnSequential(t))
                }
            }
        }
        c.endGroup()
        for (r, name) in rowLabels.enumerated() where r < rows {
            c.text(name, x: left - 6, y: top + (Double(r) + 0.5) * ch + 4, size: 11, anchor: "end")
        }
        let stride = max(1, columnLabelStride)
        for (k, name) in columnLabels.enumerated() where k < cols && k % stride == 0 {
            let x = left + (Double(k) + 0.5) * cw, y = top + Double(rows) * ch + 10
            c.text(name, x: x, y: y, size: 11, anchor: "end", rotate: -45)
        }
        if !rowAxisTitle.isEmpty {
            c.text(rowAxisTitle, x: 12, y: top + Double(rows) * ch / 2, size: 12, anchor: "middle", rotate: -90)
        }
        if !columnAxisTitle.isEmpty {
            c.text(columnAxisTitle, x: left + Double(cols) * cw / 2, y: c.height - 6, size: 12, anchor: "middle")
        }
        return c.svg
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
