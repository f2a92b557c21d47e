import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import GenreKitCharts
import XCTest

/// Charts are checked by the structure of the SVG they write (elements, attributes, text), not by pixels.
final class ChartTests: XCTestCase {
    func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) throws -> XMLDocument {
        // Without the default namespace, so XPath can name elements plainly.
        try XMLDocument(xmlString: svg.replacingOccurrences(of: " xmlns=\"http://www.w3.org/2000/svg\"", with: ""), options: [])
    }

    func nodes(_ doc: XMLDocument, _ xpath: String) throws -> [XMLNode] { try doc.nodes(forXPath: xpath) }

    func attribute(_ node: XMLNode, _ name: String) -> String? { (node as? XMLElement)?.attribute(forName: name)?.stringValue }

    func testHeatMapDrawsEveryCellWithItsValue() throws {
        var h = HeatMap(title: "Confusion <song level>", values: [[5, 1, 0], [2, 7, 1]],
                        rowLabels: ["blues", "jazz"], columnLabels: ["blues", "jazz", "rock & roll"])
        h.rowAxisTitle = "true"
        h.columnAxisTitle = "predicted"
        let doc = try parse(h.svg)
        let cells = try nodes(doc, "//rect[@class='hm-cell']")
        XCTAssertEqual(cells.count, 6)
        let values = try cells.map { try XCTUnwrap(attribute($0, "data-value")) }
        XCTAssertEqual(values, ["5", "1", "0", "2", "7", "1"])
        // Largest value darkest, smallest lightest.
        let fills = cells.compactMap { attribute($0, "fill") }
        XCTAssertEqual(fills[4], ColorScale.sequential(1))
        XCTAssertEqual(fills[2], ColorScale.sequential(0))
        let texts = try nodes(doc, "//text").compactMap(\.stringValue)
        XCTAssertTrue(texts.contains("rock & roll"), "labels are escaped, not lost")
        XCTAssertTrue(texts.contains("predicted") && texts.contains("true"))
        XCTAssertTrue(h.svg.contains("aria-label=\"Confusion &lt;song level&gt;\""))
        XCTAssertEqual(h.svg, h.svg, "deterministic")
    }

    func testBarChartBarsAndWhiskers() throws {
        let chart = BarChart(title: "F1", groups: ["a", "b", "c"],
                             series: [.init(name: "precision", values: [0.5, 0.25, 1]),
                                      .init(name: "recall", values: [0.75, 0.5, 0.25], halfWidths: [0.1, 0, 0.05])])
        let doc = try parse(chart.svg)
        XCTAssertEqual(try nodes(doc, "//rect[@class='bar']").count, 6)
        // Two whiskers (half-width 0 draws none), three lines each.
        let whiskerLines = try nodes(doc, "//line[@stroke='#222']")
        XCTAssertEqual(whiskerLines.count, 6)
        XCTAssertEqual(try nodes(doc, "//g[@class='legend']/text").compactMap(\.stringValue),
                       ["precision", "recall"])
        // Bar heights are proportional to the values on the shared axis.
        let heights = try nodes(doc, "//rect[@class='bar']").compactMap {
            attribute($0, "height").flatMap(Double.init)
        }
        XCTAssertEqual(heights[0] / heights[4], 0.5 / 1.0, accuracy: 0.02)
    }

    func testLineChartCurvesAndDiagonal() throws {
        var chart = LineChart(title: "ROC", series: [.init(name: "jazz (AUC 0.75)", points: [(0, 0), (0, 0.5), (0.5, 0.5), (1, 1)]),
                                                     .init(name: "rock", points: [(0, 0), (1, 1)])])
        chart.diagonal = true
        chart.xDomain = 0...1
        chart.yDomain = 0...1
        let doc = try parse(chart.svg)
        let lines = try nodes(doc, "//polyline")
        XCTAssertEqual(lines.count, 2)
        let first = try XCTUnwrap(attribute(lines[0], "points"))
        // x: 56 … 376 px, y: 280 … 40 px for 0 … 1.
        XCTAssertEqual(first, "56,280 56,160 216,160 376,40")
        XCTAssertEqual(try nodes(doc, "//line[@stroke-dasharray]").count, 1)
    }

    func testScaleTicksAndNumberFormatting() {
        XCTAssertEqual(LinearScale(domain: 0...1, range: (0, 100)).ticks(), [0, 0.2, 0.4, 0.6, 0.8, 1])
        XCTAssertEqual(LinearScale(domain: 0...37, range: (0, 1)).ticks(count: 4), [0, 10, 20, 30])
        XCTAssertEqual(SVG.number(12), "12")
        XCTAssertEqual(SVG.number(12.5), "12.5")
        XCTAssertEqual(SVG.number(12.256), "12.26")
        XCTAssertEqual(SVG.number(.nan), "0")
        XCTAssertEqual(SVG.escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;")
        XCTAssertEqual(ColorScale.sequential(0), "#f7fbff")
        XCTAssertEqual(ColorScale.sequential(1), "#08306b")
    }
}
