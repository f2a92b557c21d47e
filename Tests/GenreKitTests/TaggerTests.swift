import Foundation
import GenreKit
import XCTest

/// The tagging pipeline on awkward inputs the test writes itself: short, silent, 8 kHz mono, 8-channel.
final class TaggerTests: XCTestCase {
    static let model: PretrainedModel? = try? PretrainedModel.load("MSD_musicnn")

    func tagger(length: Double = 3, overlap: Double? = nil) throws -> Tagger {
        guard let m = Self.model else {
            if ProcessInfo.processInfo.environment["GENREKIT_REQUIRE_MODELS"] == "1" {
                XCTFail("MSD_musicnn is not installed; run scripts/setup.sh"); throw XCTSkip("no model")
            }
            throw XCTSkip("MSD_musicnn not installed (run scripts/setup.sh)")
        }
        return try Tagger(model: m, length: length, overlap: overlap)
    }

    /// Writes `seconds` of a chord (or silence) with `channels` channels at `rate` Hz.
    func writeAudio(seconds: Double, rate: Int, channels: Int, silent: Bool = false, format: AudioEncoder.Format = .wav16) throws -> String {
        let n = Int(seconds * Double(rate))
        var x = [Float](repeating: 0, count: n * channels)
        if !silent {
            for i in 0..<n {
                let t = Double(i) / Double(rate)
                let s = 0.2 * sin(2 * .pi * 220 * t) + 0.2 * sin(2 * .pi * 330 * t) + 0.1 * sin(2 * .pi * 1100 * t)
                for c in 0..<channels { x[i * channels + c] = Float(s * (1 - 0.1 * Double(c))) }
            }
        }
        let path = NSTemporaryDirectory() + "gk-tagger-\(UUID().uuidString).\(format == .mp3 ? "mp3" : "wav")"
        try AudioEncoder.write(x, channels: channels, sampleRate: rate, format: format, to: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testTaggramIsAFeatureLayer() throws {
        let t = try tagger()
        let path = try writeAudio(seconds: 7, rate: 16000, channels: 1)
        let spec = try FeatureSpec(parsing: "MSD_musicnn:taggram,penultimate")
        let f = try FeatureExtractor(spec: spec, model: t.model, cache: nil).windowFeatures(path: path)
        let a = try t.analyze(path: path, features: ["penultimate"], pooling: .mean)
        XCTAssertEqual(f.matrix.shape, [2, 50 + 200])
        for w in 0..<2 {
            XCTAssertEqual(Array(f.matrix.values[(w * 250)..<(w * 250 + 50)]), Array(a.taggram.values[(w * 50)..<((w + 1) * 50)]))
        }
    }

    func assertValid(_ a: FileAnalysis, windows: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.taggram.shape, [windows, 50], file: file, line: line)
        XCTAssertTrue(a.taggram.values.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 }, file: file, line: line)
        XCTAssertEqual(a.windowStarts.count, windows, file: file, line: line)
    }

    func testWindowsOfASevenSecondClip() throws {
        let a = try tagger().analyze(path: writeAudio(seconds: 7, rate: 16000, channels: 1))
        assertValid(a, windows: 2)                      // 438 frames → windows at 0 and 187
        XCTAssertEqual(a.windowStarts, [0, 2.992])
        XCTAssertFalse(a.padded)
    }

    func testOverlapIsTheHop() throws {
        let a = try tagger(overlap: 1).analyze(path: writeAudio(seconds: 7, rate: 16000, channels: 1))
        assertValid(a, windows: 5)                      // hop 61 frames: starts 0, 61, 122, 183, 244 ≤ 438 − 187
    }

    func testShortClipIsPadded() throws {
        let a = try tagger().analyze(path: writeAudio(seconds: 1, rate: 16000, channels: 1))
        assertValid(a, windows: 1)
        XCTAssertTrue(a.padded)
    }

    func testSilence() throws {
        let a = try tagger().analyze(path: writeAudio(seconds: 4, rate: 16000, channels: 1, silent: true))
        assertValid(a, windows: 1)
    }

    func testMono8kHzAnd8Channels() throws {
        assertValid(try tagger().analyze(path: writeAudio(seconds: 4, rate: 8000, channels: 1)), windows: 1)
        assertValid(try tagger().analyze(path: writeAudio(seconds: 4, rate: 44100, channels: 8)), windows: 1)
    }

    func testFeaturesArePooledPerWindow() throws {
        let a = try tagger().analyze(path: writeAudio(seconds: 7, rate: 16000, channels: 1),
                                     features: ["max_pool", "timbral", "penultimate"], pooling: .meanStd)
        XCTAssertEqual(a.features["max_pool"]?.shape, [2, 753])
        XCTAssertEqual(a.features["penultimate"]?.shape, [2, 200])
        XCTAssertEqual(a.features["timbral"]?.shape, [2, 816])   // 408 means + 408 standard deviations
    }

    func testUnknownLayerIsAClearError() throws {
        XCTAssertThrowsError(try tagger().analyze(path: writeAudio(seconds: 1, rate: 16000, channels: 1), features: ["pool5"])) {
            XCTAssertTrue("\($0)".contains("has no layer 'pool5'"))
        }
    }

    func testBatchRunnerKeepsOrderAndReportsFailures() throws {
        let t = try tagger()
        let good = try writeAudio(seconds: 3.5, rate: 22050, channels: 2)
        let results = BatchRunner.map([good, "/nonexistent.wav", good], concurrency: 2) { try t.analyze(path: $0) }
        XCTAssertEqual(results.count, 3)
        guard case .success(let a) = results[0], case .failure(let e) = results[1], case .success(let b) = results[2] else {
            return XCTFail("unexpected results \(results)")
        }
        XCTAssertEqual(e as? AudioError, .fileNotFound(path: "/nonexistent.wav"))
        XCTAssertEqual(a.taggram, b.taggram)
    }

    /// Inside a parallel batch each item sees ``BatchRunner/current``: the first item while others still wait, the
    /// last-started item when none does; a batch run in turn, and code outside any batch, see none.
    func testBatchWorkersSeeWhetherFilesAreWaiting() {
        XCTAssertNil(BatchRunner.current)
        let seen = BatchRunner.map(Array(0..<6), concurrency: 2) { i -> (Int, Bool?) in
            (i, BatchRunner.current?.hasWaitingItems)
        }.map { try! $0.get() }
        XCTAssertEqual(seen.map(\.0), Array(0..<6))
        // Item 0's worker is busy with it, so at most two items have started when it looks: four still wait.
        XCTAssertEqual(seen[0].1, true)
        // Whichever item starts last looks after every item has started.
        XCTAssertTrue(seen.contains { $0.1 == false })
        XCTAssertTrue(seen.allSatisfy { $0.1 != nil })
        XCTAssertTrue(BatchRunner.map(Array(0..<3), concurrency: 1) { _ in BatchRunner.current == nil }.allSatisfy { (try? $0.get()) == true })
        XCTAssertNil(BatchRunner.current)
    }

    /// A file tagged inside a parallel batch (chunks in turn on the worker) gives the same bits as tagged alone
    /// (chunks on all cores while it decodes).
    func testTaggingInsideABatchEqualsTaggingAlone() throws {
        var t = try tagger()
        t.concurrency = 2
        t.chunkWindows = 2
        let path = try writeAudio(seconds: 16, rate: 22050, channels: 2)
        let alone = try t.analyze(path: path, features: ["max_pool"], pooling: .mean)
        let shared = t
        let batched = BatchRunner.map([path, path, path, path], concurrency: 2) { try shared.analyze(path: $0, features: ["max_pool"], pooling: .mean) }
        for r in batched {
            let a = try r.get()
            XCTAssertTrue(a.taggram.values == alone.taggram.values)
            XCTAssertTrue(a.features["max_pool"]?.values == alone.features["max_pool"]?.values)
        }
    }

    func testTimePooling() {
        let t = Tensor(shape: [1, 3, 2], values: [1, 10, 2, 20, 6, 60])
        XCTAssertEqual(TimePooling.mean.pool(t).values, [3, 30])
        XCTAssertEqual(TimePooling.max.pool(t).values, [6, 60])
        let ms = TimePooling.meanStd.pool(t).values
        XCTAssertEqual(ms[0], 3); XCTAssertEqual(ms[2], Float((14.0 / 3).squareRoot()), accuracy: 1e-6)
    }
}
