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
        let timbral = try FeatureSpec(parsing: "MSD_musicnn:max_pool@precision=int8")
        XCTAssertEqual(timbral.int8Scope, .timbral)
        XCTAssertEqual(timbral.windowKey, "MSD_musicnn:max_pool@length=3,overlap=0,pool=mean,precision=int8,int8=timbral")
        XCTAssertEqual(try FeatureSpec(parsing: timbral.key), timbral)
        var int8 = try FeatureSpec(parsing: "MSD_musicnn:max_pool@precision=int8,int8=all")
        XCTAssertEqual(int8.int8Scope, .allLayers)
        XCTAssertEqual(int8.windowKey, "MSD_musicnn:max_pool@length=3,overlap=0,pool=mean,precision=int8,int8=all")
        XCTAssertEqual(try FeatureSpec(parsing: int8.key), int8)
        int8.int8Calibration = Int8Calibration(frontend: 0.01, mid1: 0.02, mid2: 0.03, mid3: 0.04, dense1: 0.05, dense2: 0.06)
        let id = FeatureSpec.calibrationID(int8.int8Calibration!)
        XCTAssertEqual(id.count, 8)
        XCTAssertEqual(int8.windowKey, "MSD_musicnn:max_pool@length=3,overlap=0,pool=mean,precision=int8,int8=all,calibration=\(id)")
        var other = int8
        other.int8Calibration?.mid2 = 0.031
        XCTAssertNotEqual(other.windowKey, int8.windowKey)
        XCTAssertEqual(Set([fp32.windowKey, bf16.windowKey, timbral.windowKey, int8.windowKey, other.windowKey]).count, 5)
        // Keys made before the scope existed (`precision=int8` alone, every layer in int8) are never made again, so
        // cached all-layer features never pass for timbral ones.
        XCTAssertFalse([timbral, int8, other].contains { $0.windowKey.hasSuffix("precision=int8") })
        XCTAssertThrowsError(try FeatureSpec(parsing: "MSD_musicnn:max_pool@int8=all")) {
            XCTAssertTrue("\($0)".contains("precision=int8"), "\($0)")
        }
        XCTAssertThrowsError(try FeatureSpec(parsing: "MSD_vgg:pool5@precision=int8,int8=timbral")) {
            XCTAssertTrue("\($0)".contains("musicnn"), "\($0)")
        }
        XCTAssertThrowsError(try FeatureSpec(parsing: "MSD_musicnn:max_pool@precision=int8,int8=front")) {
            XCTAssertTrue("\($0)".contains("timbral") && "\($0)".contains("all"), "\($0)")
        }
        let vgg = try FeatureSpec(parsing: "MSD_vgg:pool5@precision=int8")
        XCTAssertFalse(vgg.windowKey.contains("int8="), "VGG runs every layer in int8: \(vgg.windowKey)")
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
        XCTAssertEqual(try JSONDecoder().decode(FeatureSpec.self, from: JSONEncoder().encode(int8)), int8)
        int8.int8Calibration = Int8Calibration(frontend: 0.5, mid1: 0.25)
        int8.int8Scope = .allLayers
        XCTAssertEqual(try JSONDecoder().decode(FeatureSpec.self, from: JSONEncoder().encode(int8)), int8)
        // An int8 spec written before the scope existed (no `int8Scope` key) ran every layer in int8, and still does.
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(int8)) as! [String: Any]
        XCTAssertEqual(old.removeValue(forKey: "int8Scope") as? String, "allLayers")
        old["int8Calibration"] = nil
        let decoded = try JSONDecoder().decode(FeatureSpec.self, from: JSONSerialization.data(withJSONObject: old))
        XCTAssertEqual(decoded.precision, .int8)
        XCTAssertEqual(decoded.int8Scope, .allLayers)
        XCTAssertTrue(decoded.windowKey.hasSuffix("precision=int8,int8=all"), decoded.windowKey)
    }

    /// `--precision int8` without a calibration runs the timbral scope; with one, every layer.
    func testRunningInt8ChoosesTheScopeFromTheCalibration() throws {
        let spec = try CombinedFeatureSpec(parsing: "MSD_musicnn:max_pool+mfcc")
        XCTAssertEqual(try spec.running(.int8).parts[0].int8Scope, .timbral)
        let c = Int8Calibration(frontend: 0.5, mid1: 0.1, mid2: 0.1, mid3: 0.1, dense1: 0.1, dense2: 0.1)
        let calibrated = try spec.running(.int8, int8Calibration: c)
        XCTAssertEqual(calibrated.parts[0].int8Scope, .allLayers)
        XCTAssertTrue(calibrated.parts[0].windowKey.contains("int8=all,calibration="), calibrated.parts[0].windowKey)
        XCTAssertEqual(try spec.running(.fp32).parts[0], try FeatureSpec(parsing: "MSD_musicnn:max_pool"))
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
