import Foundation
import GenreKit
import XCTest

/// The precision is part of a feature spec's key, so bf16/int8 features never mix with fp32 ones in the cache.
final class FeatureSpecPrecisionTests: XCTestCase {
    func testPrecisionIsInTheKeyAndFP32KeysAreUnchanged() throws {
        let fp32 = try FeatureSpec(parsing: "MSD_musicnn:max_pool")
        XCTAssertEqual(fp32.precision, .fp32)
        XCTAssertEqual(fp32.windowKey, "MSD_musicnn:max_pool@length=3,overlap=0,pool=mean")
        XCTAssertEqual(try FeatureSpec(parsing: "MSD_musicnn:max_pool@precision=fp32"), fp32)
        let bf16 = try FeatureSpec(parsing: "MSD_musicnn:max_pool@precision=bf16")
        XCTAssertEqual(bf16.precision, .bf16)
        XCTAssertEqual(bf16.windowKey, "MSD_musicnn:max_pool@length=3,overlap=0,pool=mean,precision=bf16")
        XCTAssertEqual(try FeatureSpec(parsing: bf16.key), bf16)
        var int8 = try FeatureSpec(parsing: "MSD_musicnn:max_pool@precision=int8")
        XCTAssertEqual(int8.windowKey, "MSD_musicnn:max_pool@length=3,overlap=0,pool=mean,precision=int8")
        int8.int8Calibration = Int8Calibration(frontend: 0.01, mid1: 0.02, mid2: 0.03, mid3: 0.04, dense1: 0.05, dense2: 0.06)
        let id = FeatureSpec.calibrationID(int8.int8Calibration!)
        XCTAssertEqual(id.count, 8)
        XCTAssertEqual(int8.windowKey, "MSD_musicnn:max_pool@length=3,overlap=0,pool=mean,precision=int8,calibration=\(id)")
        var other = int8
        other.int8Calibration?.mid2 = 0.031
        XCTAssertNotEqual(other.windowKey, int8.windowKey)
        XCTAssertEqual(Set([fp32.windowKey, bf16.windowKey, int8.windowKey, other.windowKey]).count, 4)
        XCTAssertThrowsError(try FeatureSpec(parsing: "MSD_musicnn:max_pool@precision=fp16")) {
            XCTAssertTrue("\($0)".contains("fp32, bf16 or int8"), "\($0)")
        }
    }

    func testCombinedSpecsRunOnlyTheirNetworkPartsInThePrecision() throws {
        let spec = try CombinedFeatureSpec(parsing: "MSD_musicnn:max_pool+mfcc").running(.bf16)
        XCTAssertEqual(spec.parts.map(\.precision), [.bf16, .fp32])
        XCTAssertTrue(spec.key.contains("precision=bf16"))
    }

    /// Model files written before the precision existed (no `precision` key) read as fp32; fp32 specs encode as
    /// before; others keep their precision and calibration.
    func testCodableKeepsOldModelFilesReadable() throws {
        let fp32 = try FeatureSpec(parsing: "MTT_musicnn:penultimate@overlap=1")
        let data = try JSONEncoder().encode(fp32)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertFalse(text.contains("precision"), text)
        XCTAssertEqual(try JSONDecoder().decode(FeatureSpec.self, from: data), fp32)
        var int8 = fp32
        int8.precision = .int8
        int8.int8Calibration = Int8Calibration(frontend: 0.5, mid1: 0.25)
        XCTAssertEqual(try JSONDecoder().decode(FeatureSpec.self, from: JSONEncoder().encode(int8)), int8)
    }

    func testFeaturesOfDifferentPrecisionsAreCachedApart() throws {
        let path = NSTemporaryDirectory() + "gk-precision-\(UUID().uuidString)/features.sqlite"
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let cache = try FeatureCache(path: path)
        let fp32 = try FeatureSpec(parsing: "MSD_musicnn:max_pool")
        let bf16 = try FeatureSpec(parsing: "MSD_musicnn:max_pool@precision=bf16")
        let f = WindowFeatures(matrix: Tensor(shape: [1, 2], values: [1, 2]), windowStarts: [0], windowSeconds: 3)
        try cache.store(f, hash: "h", spec: bf16)
        XCTAssertNil(try cache.windowFeatures(hash: "h", spec: fp32))
        XCTAssertNotNil(try cache.windowFeatures(hash: "h", spec: bf16))
    }
}
