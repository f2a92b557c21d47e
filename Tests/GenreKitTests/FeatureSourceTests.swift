import Foundation
import GenreKit
import XCTest

final class FeatureSourceTests: XCTestCase {
    func testParsesAndWritesTheModelFileText() throws {
        let spec = try FeatureSource(parsing: "MSD_musicnn:max_pool+mfcc")
        XCTAssertEqual(spec, .audio(try CombinedFeatureSpec(parsing: "MSD_musicnn:max_pool+mfcc")))
        XCTAssertEqual(spec.key, try CombinedFeatureSpec(parsing: "MSD_musicnn:max_pool+mfcc").key)
        XCTAssertFalse(spec.isTable)
        let table = try FeatureSource(parsing: "table:genre")
        XCTAssertEqual(table, .table(labelColumn: "genre"))
        XCTAssertEqual(table.key, "table:genre")
        XCTAssertNil(table.spec)
        XCTAssertThrowsError(try FeatureSource(parsing: "no_such_model:max_pool"))
    }

    func testCodesAsItsText() throws {
        let sources: [FeatureSource] = [.table(labelColumn: "label"), .audio(try CombinedFeatureSpec(parsing: "MSD_musicnn:max_pool"))]
        let data = try JSONEncoder().encode(sources)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"["table:label","\#(sources[1].key)"]"#)
        XCTAssertEqual(try JSONDecoder().decode([FeatureSource].self, from: data), sources)
    }

    /// A model file written before `FeatureSource` existed loads, and its source reads typed.
    func testModelFileFromBeforeLoads() throws {
        let path = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/feature_table_model", withExtension: "gkmodel")).path
        let model = try GenreModel.read(from: path)
        XCTAssertEqual(model.featureSpec, "table:label")
        XCTAssertEqual(try model.featureSource, .table(labelColumn: "label"))
        XCTAssertEqual(model.labels, ["a", "b"])
        XCTAssertThrowsError(try model.featureExtractor(cache: nil)) {
            XCTAssertEqual($0 as? FeatureExtractorError, .trainedOnFeatureTable)
        }
    }
}
