import Foundation
import GenreKit
import XCTest

/// Precomputed feature tables in CSV: reading, errors with line and column, writing back.
final class FeatureTableTests: XCTestCase {
    func fixture() throws -> String {
        try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/feature_table", withExtension: "csv")).path
    }

    func testReadsFixtureWithCustomColumns() throws {
        let t = try FeatureTable.read(csv: fixture(), idColumn: "file", labelColumn: "genre", ignoring: ["split"])
        XCTAssertEqual(t.ids, ["blues.00000.wav", "a, b.wav", "c.wav"])
        XCTAssertEqual(t.labels, [["blues"], ["rock", "live"], []])
        XCTAssertEqual(t.columns, ["f0", "f1", "f2"])
        XCTAssertEqual(t.values, [0.5, -1.25, 0.03, 1, 2, 3, 0, 1e-7, 1000])
        XCTAssertEqual(Array(t.row(1)), [1, 2, 3])
        XCTAssertTrue(t.isMultiLabel)
        XCTAssertEqual(t.labelSet, ["blues", "live", "rock"])
        XCTAssertEqual(t.matrix.rows, 3)
        XCTAssertEqual(t.matrix.values[1], -1.25)
    }

    func testSelectedFeatureColumnsInGivenOrder() throws {
        let t = try FeatureTable.read(csv: fixture(), idColumn: "file", labelColumn: nil, featureColumns: ["f2", "f0"])
        XCTAssertEqual(t.columns, ["f2", "f0"])
        XCTAssertEqual(t.values, [0.03, 0.5, 3, 1, 1000, 0])
        XCTAssertEqual(t.labels, [[], [], []])
    }

    func testErrorsNameLineRowAndColumn() throws {
        let dir = makeTemporaryFolder("gk-table")
        func failure(_ text: String, name: String = "t.csv", id: String = "id", label: String? = "label") -> String {
            let path = makeFile(dir, name, text)
            do { _ = try FeatureTable.read(csv: path, idColumn: id, labelColumn: label); return "no error" } catch {
                return "\(error)".replacingOccurrences(of: path, with: "T")
            }
        }
        XCTAssertEqual(failure("id,label,a,b\nx,rock,1,2\ny,pop,3,oops\n"),
                       "T line 3 (row 2), column 'b': 'oops' is not a number; fix the cell or exclude the column")
        XCTAssertEqual(failure("id,label,a,b\nx,rock,1,\n"), "T line 2 (row 1), column 'b': '' is not a number; fix the cell or exclude the column")
        XCTAssertEqual(failure("id,label,a,b\nx,rock,1,2\ny,pop,3\n"),
                       "T line 3: 3 cells where the header has 4; every row needs one cell per column")
        XCTAssertEqual(failure("id,label,a,b\nx,rock,1,2,5\n"),
                       "T line 2: 5 cells where the header has 4; every row needs one cell per column")
        XCTAssertEqual(failure("name,label,a\nx,rock,1\n"), "T: no column 'id' in the header (columns: name, label, a); name the right column")
        XCTAssertEqual(failure("id,label,a,a\n"), "T: column 'a' appears twice in the header; rename one")
        XCTAssertEqual(failure("id,label\nx,rock\n"), "T: no feature columns besides the id and label columns")
        XCTAssertEqual(failure(""), "feature table T is empty; expected a header line (id,label,feature columns…) and one row per item")
        XCTAssertTrue(failure("id,label,a\n\"x,rock,1\n").hasPrefix("T line 2: a quoted field is never closed"))
        // TSV by extension; a comma inside a TSV cell is just text.
        XCTAssertEqual(failure("id\tlabel\ta\nx,y\trock\tz\n", name: "t.tsv"), "T line 2 (row 1), column 'a': 'z' is not a number; fix the cell or exclude the column")
    }

    func testWriteThenReadRoundTripsExactly() throws {
        let dir = makeTemporaryFolder("gk-table")
        let values: [Float] = [0.1, -1e-7, Float.greatestFiniteMagnitude, Float.leastNormalMagnitude, Float.leastNonzeroMagnitude, 123456.79, -0.0, 2, 1.0 / 3]
        let t = FeatureTable(ids: ["a \"quoted\" id", "b, with comma", " c "], labels: [["rock", "live"], [], ["jazz"]],
                             columns: ["f0", "f 1", "f,2"], values: values)
        try t.write(csv: dir + "/out.csv")
        let text = try String(contentsOfFile: dir + "/out.csv", encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("id,label,f0,f 1,\"f,2\"\n\"a \"\"quoted\"\" id\",rock;live,0.1,-1e-07,3.4028235e+38\n"), text)
        let back = try FeatureTable.read(csv: dir + "/out.csv")
        XCTAssertEqual(back, t)
        XCTAssertEqual(back.values.map(\.bitPattern), values.map(\.bitPattern))
        // Unlabelled tables write no label column.
        let bare = FeatureTable(ids: ["x"], labels: [[]], columns: ["v"], values: [1.5], labelColumn: nil)
        XCTAssertEqual(bare.csvText(), "id,v\nx,1.5\n")
    }
}
