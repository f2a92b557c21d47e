import Foundation
import GenreKit
import XCTest

/// The `handcrafted` feature "model": librosa-style descriptors per window, through specs, extractor and cache.
final class HandcraftedDescriptorTests: XCTestCase {
    func testShorthandsParse() throws {
        XCTAssertEqual(try FeatureSpec(parsing: "mfcc"), try FeatureSpec(model: "handcrafted", layers: ["mfcc"]))
        XCTAssertEqual(try FeatureSpec(parsing: "handcrafted").layers, ["all"])
        XCTAssertEqual(try FeatureSpec(parsing: "handcrafted:mfcc@song=max").songPooling, .max)
        XCTAssertTrue(try FeatureSpec(parsing: "mfcc").isHandcrafted)
        XCTAssertThrowsError(try FeatureSpec(parsing: "handcrafted:max_pool")) { XCTAssertTrue("\($0)".contains("mfcc")) }
        XCTAssertEqual(try FeatureSpec(parsing: try FeatureSpec(parsing: "mfcc").key), try FeatureSpec(parsing: "mfcc"))
    }

    func testColumns() {
        XCTAssertEqual(HandcraftedDescriptor.columns("mfcc").count, 60 * 6)    // 20 MFCC + 2 × 20 deltas, 6 statistics
        XCTAssertEqual(HandcraftedDescriptor.columns("all").count, HandcraftedFeatures.columnNames.count)
    }

    func testWindowFeaturesFollowThePatches() throws {
        let sr = 16000
        let x = (0..<(7 * sr)).map { Float(0.3 * sin(2 * Double.pi * 440 * Double($0) / Double(sr))) }
        let f = HandcraftedDescriptor.windowFeatures(samples: x, layers: ["mfcc"], patches: try Patches.musicnn())
        XCTAssertEqual(f.windowCount, 2)                                      // 438 frames: windows at 0 and 187
        XCTAssertEqual(f.dimension, 360)
        XCTAssertEqual(f.windowStarts, [0, 2.992])
        XCTAssertTrue(f.matrix.values.allSatisfy(\.isFinite))
        // A window's vector is the descriptor of that window's audio.
        let direct = HandcraftedFeatures().vector(Array(x[0..<(186 * 256)]))
        let cols = HandcraftedDescriptor.columns("mfcc")
        for (k, c) in cols.enumerated() { XCTAssertEqual(f.matrix.values[k], Float(direct[c])) }
        let short = HandcraftedDescriptor.windowFeatures(samples: Array(x[0..<sr]), layers: ["all"], patches: try Patches.musicnn())
        XCTAssertEqual(short.windowCount, 1)
    }

    func testExtractionNeedsNoModelAndIsCached() throws {
        let dir = NSTemporaryDirectory() + "gk-hand-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let x = (0..<(4 * 16000)).map { Float(0.2 * sin(Double($0) * 0.05)) }
        try AudioEncoder.write(x, channels: 1, sampleRate: 16000, format: .wav16, to: dir + "/a.wav")
        let spec = try FeatureSpec(parsing: "mfcc")
        let cache = try FeatureCache(path: dir + "/cache.sqlite")
        let extractor = try FeatureExtractor(spec: spec, store: ModelStore(root: "/nonexistent"), cache: cache)
        XCTAssertNil(extractor.tagger)
        let first = extractor.extract(paths: [dir + "/a.wav"])
        guard case .success(let a) = first[0] else { return XCTFail("\(first[0])") }
        XCTAssertFalse(a.fromCache)
        XCTAssertEqual(a.song.count, 360)
        guard case .success(let b) = extractor.extract(paths: [dir + "/a.wav"])[0] else { return XCTFail() }
        XCTAssertTrue(b.fromCache)
        XCTAssertEqual(a.song, b.song)
    }
}
