import Foundation
import GenreKit
import XCTest

/// ``Tagger/analyze(path:features:pooling:)`` streams a file through decoding, log-mel, windows and the network in
/// blocks; its taggram and features must be bit for bit those of the whole-file path (decode, whole log-mel,
/// ``Tagger/analyze(logMel:frames:path:source:features:pooling:)``). Uses the seeded `random_musicnn` network, so
/// no checkpoint is needed, with small blocks so that many block boundaries fall at awkward offsets.
final class TaggerStreamTests: XCTestCase {
    static let model = Result { try PretrainedModel.load("random_musicnn") }

    /// A 44.1 kHz stereo WAV (chord with a moving tone and seeded noise).
    func writeStereo(seconds: Double) throws -> String {
        let rate = 44100, n = Int(seconds * Double(rate))
        var x = [Float](repeating: 0, count: 2 * n)
        var state: UInt32 = 99
        for i in 0..<n {
            state = state &* 1_664_525 &+ 1_013_904_223
            let noise = Float(state >> 8) * 0x1p-24 - 0.5
            let t = Double(i) / Double(rate)
            let s = Float(0.25 * sin(2 * .pi * 196 * t) + 0.15 * sin(2 * .pi * (500 + 200 * t) * t) + 0.1 * sin(2 * .pi * 2500 * t))
            x[2 * i] = s + 0.05 * noise
            x[2 * i + 1] = 0.7 * s - 0.05 * noise
        }
        let path = NSTemporaryDirectory() + "gk-tagstream-\(UUID().uuidString).wav"
        try AudioEncoder.write(x, channels: 2, sampleRate: rate, format: .wav16, to: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func wholeFile(_ t: Tagger, _ path: String, features: Set<String>, pooling: TimePooling?) throws -> FileAnalysis {
        let (logMel, frames, audio) = try t.frontEnd.logMel(path: path)
        return t.analyze(logMel: logMel, frames: frames, path: path, source: audio.source, features: features, pooling: pooling)
    }

    func assertSame(_ a: FileAnalysis, _ b: FileAnalysis, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.taggram.shape, b.taggram.shape, what, file: file, line: line)
        XCTAssertTrue(a.taggram.values == b.taggram.values, "\(what): taggram differs", file: file, line: line)
        XCTAssertEqual(Set(a.features.keys), Set(b.features.keys), what, file: file, line: line)
        for (k, v) in a.features {
            XCTAssertEqual(v.shape, b.features[k]?.shape, "\(what): \(k)", file: file, line: line)
            XCTAssertTrue(v.values == b.features[k]?.values, "\(what): feature \(k) differs", file: file, line: line)
        }
        XCTAssertEqual(a.windowStarts, b.windowStarts, what, file: file, line: line)
        XCTAssertEqual(a.padded, b.padded, what, file: file, line: line)
        XCTAssertEqual(a.source.frames, b.source.frames, what, file: file, line: line)
    }

    func testStreamedTaggramEqualsWholeFile() throws {
        let model = try Self.model.get()
        // 21.7 s → 1 + ⌊347200/256⌋ = 1357 frames: 10 complete 128-frame mel groups and a partial one; 7 windows.
        let path = try writeStereo(seconds: 21.7)
        for overlap in [nil, 1.0] as [Double?] {
            var t = try Tagger(model: model, length: 3, overlap: overlap)
            t.chunkWindows = 3
            t.concurrency = 2
            let whole = try wholeFile(t, path, features: ["max_pool", "penultimate", "cnn1"], pooling: .mean)
            XCTAssertEqual(whole.taggram.shape[0], overlap == nil ? 7 : 20)     // hop 61 frames: ⌊(1357 − 187)/61⌋ + 1
            // Awkward sizes everywhere: decoder blocks of 1,001 frames, mel fed every 5,003 samples (one 128-frame group
            // is 32,768), and the defaults; chunks run in turn on this thread (1), or on workers while it decodes on.
            for (block, feed, cores) in [(1001, 5003, 1), (1001, 5003, 2), (4096, 1, 3), (65536, 1 << 19, 2), (65536, 1 << 14, 8)] {
                var s = t
                s.frontEnd.decoder.blockFrames = block
                s.feedSamples = feed
                s.concurrency = cores
                let streamed = try s.analyze(path: path, features: ["max_pool", "penultimate", "cnn1"], pooling: .mean)
                assertSame(streamed, whole, "overlap \(String(describing: overlap)), blocks \(block)/\(feed), concurrency \(cores)")
            }
            // Decoding in line with the resampler and log-mel, or ahead on its own thread; chunks at any priority.
            for (ahead, nice) in [(false, Int32(0)), (true, 0), (false, 19)] {
                var s = t
                s.frontEnd.decoder.blockFrames = 1001
                s.feedSamples = 5003
                s.decodesAhead = ahead
                s.chunkNice = nice
                let streamed = try s.analyze(path: path, features: ["max_pool", "penultimate", "cnn1"], pooling: .mean)
                assertSame(streamed, whole, "overlap \(String(describing: overlap)), decodes ahead \(ahead), chunk nice \(nice)")
            }
        }
    }

    func testShortClipStreamsLikeWholeFile() throws {
        var t = try Tagger(model: try Self.model.get())
        t.feedSamples = 999
        t.frontEnd.decoder.blockFrames = 500
        let path = try writeStereo(seconds: 1.3)                 // 82 frames < 187: one repeat-padded window
        let streamed = try t.analyze(path: path)
        assertSame(streamed, try wholeFile(t, path, features: [], pooling: nil), "short clip")
        XCTAssertTrue(streamed.padded)
        XCTAssertEqual(streamed.taggram.shape, [1, 50])
    }
}
