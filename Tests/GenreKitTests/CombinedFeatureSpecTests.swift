import Foundation
import GenreKit
import XCTest

final class CombinedFeatureSpecTests: XCTestCase {
    func testParsingAndKeys() throws {
        let c = try CombinedFeatureSpec(parsing: "MSD_musicnn:max_pool+handcrafted:mfcc")
        XCTAssertEqual(c.parts, [try FeatureSpec(parsing: "MSD_musicnn:max_pool"), try FeatureSpec(parsing: "mfcc")])
        XCTAssertEqual(c.key, "MSD_musicnn:max_pool@length=3,overlap=0,pool=mean,song=mean+handcrafted:mfcc@length=3,overlap=0,pool=mean,song=mean")
        XCTAssertEqual(try CombinedFeatureSpec(parsing: c.key), c)
        XCTAssertTrue(c.isCombination)
        XCTAssertNil(c.single)

        let layers = try CombinedFeatureSpec(parsing: " MSD_musicnn:cnn1,cnn2 + mfcc ")
        XCTAssertEqual(layers.parts.map(\.layers), [["cnn1", "cnn2"], ["mfcc"]])
        XCTAssertEqual(layers.parts.map(\.model), ["MSD_musicnn", "handcrafted"])

        // `mean+std` is a pooling name, not a separator; the key round-trips.
        let pooled = try CombinedFeatureSpec(parsing: "MTT_musicnn:cnn1@pool=mean+std,song=mean+std+mfcc@song=max+handcrafted")
        XCTAssertEqual(pooled.parts.count, 3)
        XCTAssertEqual(pooled.parts[0].windowPooling, .meanStd)
        XCTAssertEqual(pooled.parts[0].songPooling, .meanStd)
        XCTAssertEqual(pooled.parts[1].songPooling, .max)
        XCTAssertEqual(pooled.parts[2].layers, ["all"])
        XCTAssertEqual(try CombinedFeatureSpec(parsing: pooled.key), pooled)

        // A single spec keeps its key (existing caches and model files stay valid).
        for text in ["MSD_musicnn:max_pool,penultimate", "mfcc", "MTT_musicnn:penultimate@song=mean+std", "random_musicnn:max_pool"] {
            let single = try CombinedFeatureSpec(parsing: text)
            XCTAssertEqual(single.key, try FeatureSpec(parsing: text).key)
            XCTAssertEqual(single.single, try FeatureSpec(parsing: text))
        }
    }

    func testValidationErrors() {
        func message(_ text: String) -> String {
            do { _ = try CombinedFeatureSpec(parsing: text); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("MSD_musicnn:max_pool+mfcc@length=5"),
                       "the parts of a combined spec must cut the same windows, but 'MSD_musicnn:max_pool@length=3,overlap=0,pool=mean,song=mean' and "
                       + "'handcrafted:mfcc@length=5,overlap=0,pool=mean,song=mean' differ; give every part the same @length, overlap and pad")
        XCTAssertTrue(message("mfcc+MSD_musicnn:max_pool@overlap=1").contains("must cut the same windows"))
        XCTAssertTrue(message("mfcc+handcrafted:mfcc").contains("listed twice"))
        XCTAssertTrue(message("MSD_musicnn:max_pool++mfcc").contains("part 2 is empty"))
        XCTAssertTrue(message("MSD_musicnn:max_pool+").contains("part 2 is empty"))
        XCTAssertEqual(message("MSD_musicnn:max_pool+MSD_musicnn:nope"),
                       "MSD_musicnn has no layer 'nope'; choose from " + (MusicnnModel.featureNames + [FeatureSpec.outputLayer]).joined(separator: ", "))
        // The same part with another song pooling is a different part, allowed.
        XCTAssertEqual(message("mfcc+mfcc@song=max"), "no error")
    }

    func testConcatenation() throws {
        let a = WindowFeatures(matrix: Tensor(shape: [2, 2], values: [1, 2, 3, 4]), windowStarts: [0, 3], windowSeconds: 3)
        let b = WindowFeatures(matrix: Tensor(shape: [2, 3], values: [10, 20, 30, 40, 50, 60]), windowStarts: [0, 3], windowSeconds: 3)
        let joined = try CombinedFeatureExtractor.concatenate(path: "x", [a, b])
        XCTAssertEqual(joined.matrix.shape, [2, 5])
        XCTAssertEqual(joined.matrix.values, [1, 2, 10, 20, 30, 3, 4, 40, 50, 60])
        XCTAssertEqual(joined.windowStarts, [0, 3])
        let songs = try CombinedFeatureExtractor.concatenate([
            ExtractedFeatures(path: "x", contentHash: "h", windows: a, song: a.songVector(.mean), fromCache: true),
            ExtractedFeatures(path: "x", contentHash: "h", windows: b, song: b.songVector(.max), fromCache: false)])
        XCTAssertEqual(songs.song, [2, 3, 40, 50, 60])        // mean of part 1, max of part 2
        XCTAssertFalse(songs.fromCache)
        let c = WindowFeatures(matrix: Tensor(shape: [1, 1], values: [7]), windowStarts: [0], windowSeconds: 3)
        XCTAssertThrowsError(try CombinedFeatureExtractor.concatenate(path: "y.wav", [a, c])) {
            XCTAssertEqual($0 as? FeatureExtractorError, .windowCountMismatch(path: "y.wav", counts: [2, 1]))
        }
    }

    /// Two handcrafted parts through the extractor and a cache: each part is stored under its own single-spec key,
    /// and the combination equals the single specs' features side by side.
    func testExtractorConcatenatesCachedParts() throws {
        let dir = makeTemporaryFolder("gk-combined")
        let path = dir + "/tone.wav"
        let sr = 16000
        let x = (0..<(7 * sr)).map { i in Float(0.3 * sin(2 * Double.pi * 440 * Double(i) / Double(sr)) + 0.1 * sin(2 * Double.pi * 97 * Double(i) / Double(sr))) }
        try AudioEncoder.write(x, channels: 1, sampleRate: sr, format: .wav16, to: path)
        let cache = try FeatureCache(path: dir + "/cache.sqlite")
        let spec = try CombinedFeatureSpec(parsing: "mfcc+handcrafted:all@song=max")
        let extractor = try CombinedFeatureExtractor(spec: spec, store: ModelStore(root: "/nonexistent"), cache: cache)
        let combined = try extractor.extract(paths: [path])[0].get()
        XCTAssertEqual(try cache.specKeys(), ["handcrafted:all@length=3,overlap=0,pool=mean", "handcrafted:mfcc@length=3,overlap=0,pool=mean"])
        let mfcc = try FeatureExtractor(spec: spec.parts[0], store: ModelStore(root: "/nonexistent"), cache: nil).extract(paths: [path])[0].get()
        let all = try FeatureExtractor(spec: spec.parts[1], store: ModelStore(root: "/nonexistent"), cache: nil).extract(paths: [path])[0].get()
        XCTAssertEqual(combined.windows.windowCount, 2)                   // 7 s: two 3-s windows
        XCTAssertEqual(combined.windows.dimension, 360 + HandcraftedFeatures.columnNames.count)
        XCTAssertEqual(combined.song, mfcc.song + all.song)
        XCTAssertEqual(Array(combined.windows.matrix.values[0..<360]), Array(mfcc.windows.matrix.values[0..<360]))
        XCTAssertEqual(Array(combined.windows.matrix.values[360..<combined.windows.dimension]), Array(all.windows.matrix.values[0..<all.windows.dimension]))
        // Second run: every part from the cache.
        let again = try extractor.extract(paths: [path])[0].get()
        XCTAssertTrue(again.fromCache)
        XCTAssertEqual(again.song, combined.song)
    }
}
