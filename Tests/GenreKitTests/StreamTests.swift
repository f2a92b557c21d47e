import Foundation
import GenreKit
import XCTest

/// `genrekit stream`'s pieces: windows cut from an arriving signal equal the whole signal's, memory stays bounded,
/// window predictions equal the file pipeline's, and the running song decisions.
final class StreamTests: XCTestCase {
    static func signal(seconds: Double, seed: UInt64 = 2) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<Int(seconds * 16000)).map { i in
            let t = Double(i) / 16000
            return Float(0.3 * sin(2 * .pi * (220 + 40 * t) * t) + 0.05 * (g.nextUnit() * 2 - 1))
        }
    }

    /// Feeds `x` in blocks of seeded random sizes (1 … 5000 samples).
    static func stream(_ x: [Float], patches: Patches, seed: UInt64 = 5) -> (windows: [StreamWindow], peak: Int) {
        var source = StreamWindowSource(patches: patches)
        var g = SeededGenerator(seed: seed)
        var out: [StreamWindow] = [], at = 0, peak = 0
        while at < x.count {
            let n = min(x.count - at, 1 + Int(g.next() % 5000))
            out += source.append(Array(x[at..<(at + n)]))
            peak = max(peak, source.bufferedSamples)
            at += n
        }
        return (out + source.finish(), peak)
    }

    /// The streamed windows are the whole signal's patches, bit for bit: the mel power comes in the whole signal's
    /// fixed-shape GEMM groups (a window inside a group still in progress is cut from that group computed ahead with
    /// the same shape), so this holds on every BLAS kernel.
    func testStreamedWindowsEqualTheWholeSignalsPatches() throws {
        // 143 460 samples: the last window reaches the final frame, which is padded at the signal's end.
        for (seconds, overlap) in [(10.3, nil), (7.0, 1.0 as Double?), (2.0, nil), (3.0, nil), (143_460.0 / 16000, nil)] {
            let x = Self.signal(seconds: seconds)
            let patches = try Patches.musicnn(overlap: overlap)
            let whole = MusicnnFrontEnd().logMel(samples: x)
            let (values, count) = patches.extract(whole, bands: MusicnnInput.melBands)
            let (windows, _) = Self.stream(x, patches: patches)
            XCTAssertEqual(windows.count, count, "\(seconds) s")
            XCTAssertEqual(windows.map(\.index), Array(0..<count))
            let len = patches.frameCount * MusicnnInput.melBands
            for (k, w) in windows.enumerated() {
                let expected = Array(values[(k * len)..<((k + 1) * len)])
                XCTAssertEqual(w.logMel, expected, "\(seconds) s, window \(k)")
            }
        }
    }

    /// Memory: at most one window of samples plus the block being added, however long the stream (2 minutes here;
    /// the bound does not depend on the length).
    func testBufferStaysBounded() throws {
        let patches = try Patches.musicnn()
        let x = Self.signal(seconds: 120)
        let (windows, peak) = Self.stream(x, patches: patches)
        XCTAssertEqual(windows.count, patches.count(frames: 1 + x.count / 256))
        XCTAssertLessThanOrEqual(peak, (patches.frameCount + 1) * MusicnnInput.hopLength + 5000)
    }

    /// A stereo 16-bit WAV at 44.1 kHz read through a pipe as it is written: the windows' taggram rows equal the file
    /// pipeline's (``Tagger``) to float rounding, and the top tag of every window is the same.
    func testStreamedPredictionsEqualTheTaggram() throws {
        guard let model = try? PretrainedModel.load("MSD_musicnn") else {
            if ProcessInfo.processInfo.environment["GENREKIT_REQUIRE_MODELS"] == "1" { XCTFail("MSD_musicnn is not installed") }
            throw XCTSkip("MSD_musicnn not installed (run scripts/setup.sh)")
        }
        let rate = 44100, seconds = 8.5
        let mono = (0..<Int(seconds * Double(rate))).map { i -> Float in
            let t = Double(i) / Double(rate)
            return Float(0.25 * sin(2 * .pi * 330 * t) * (t.truncatingRemainder(dividingBy: 1) < 0.5 ? 1 : 0.3) + 0.1 * sin(2 * .pi * 2000 * t))
        }
        let stereo = mono.flatMap { [$0, $0 * 0.5] }
        let path = NSTemporaryDirectory() + "gk-stream-\(UUID().uuidString).wav"
        try AudioEncoder.write(stereo, channels: 2, sampleRate: rate, format: .wav16, to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected = try Tagger(model: model).analyze(path: path)

        let pipe = Pipe()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let writer = Thread {
            var at = 0
            while at < bytes.count {
                let n = min(7919, bytes.count - at)
                pipe.fileHandleForWriting.write(bytes[at..<(at + n)])
                at += n
            }
            try? pipe.fileHandleForWriting.close()
        }
        writer.start()
        let predictor = try StreamPredictor(pretrained: model)
        let reader = try PCMStreamReader(fd: pipe.fileHandleForReading.fileDescriptor, layout: PCMLayout(), wavHeader: true)
        var source = StreamWindowSource(patches: predictor.patches)
        var rows: [[Double]] = []
        while let block = try reader.next() { rows += source.append(block).map(predictor.predict) }
        rows += source.finish().map(predictor.predict)
        XCTAssertEqual(reader.layout, PCMLayout(encoding: .s16le, sampleRate: rate, channels: 2))
        let k = expected.tags.count
        XCTAssertEqual(rows.count, expected.taggram.shape[0])
        for (w, row) in rows.enumerated() {
            let batch = (0..<k).map { Double(expected.taggram.values[w * k + $0]) }
            // Network outputs differ only by the GEMM shape (one window vs a chunk of windows): float32 rounding
            // through ~10 layers, far below 1e-4 on probabilities.
            for j in 0..<k { XCTAssertEqual(row[j], batch[j], accuracy: 1e-4, "window \(w), tag \(expected.tags[j])") }
            XCTAssertEqual(row.indices.max { row[$0] < row[$1] }, batch.indices.max { batch[$0] < batch[$1] })
        }
    }

    func testRunningSongDecisions() {
        var vote = StreamAggregate(rule: .vote, classes: 3), mean = StreamAggregate(rule: .mean, classes: 3)
        var ema = StreamAggregate(parsing: "ema:0.5", classes: 3)!
        XCTAssertNil(StreamAggregate(parsing: "ema:1.5", classes: 3))
        let windows: [[Double]] = [[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.1, 0.8, 0.1]]
        var v: [Double] = [], m: [Double] = [], e: [Double] = []
        for p in windows { v = vote.add(p); m = mean.add(p); e = ema.add(p) }
        XCTAssertEqual(v, [1.0 / 3, 2.0 / 3, 0])
        for (a, b) in zip(m, [0.3, 0.6, 0.1]) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        // e₁ = p₀, e₂ = 0.5·e₁ + 0.5·p₁ = (0.4, 0.5, 0.1), e₃ = 0.5·e₂ + 0.5·p₂
        for (a, b) in zip(e, [0.25, 0.65, 0.1]) { XCTAssertEqual(a, b, accuracy: 1e-12) }
    }
}
