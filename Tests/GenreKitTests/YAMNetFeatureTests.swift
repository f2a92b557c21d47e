import Foundation
import GenreKit
import XCTest

/// `yamnet:embedding` / `yamnet:scores` as feature specs: parsing, keys, pooling into musicnn's windows (against a
/// hand computation), the cache, and a train → evaluate → predict round trip through the `genrekit` executable.
final class YAMNetFeatureTests: XCTestCase {
    /// Skips (fails with `GENREKIT_REQUIRE_MODELS=1`) when YAMNet or MSD_musicnn is not installed.
    func requireModels(musicnn: Bool = false) throws {
        let store = ModelStore()
        let missing = (store.isYAMNetInstalled ? [] : ["yamnet"]) + (musicnn && !store.isInstalled("MSD_musicnn") ? ["MSD_musicnn"] : [])
        guard missing.isEmpty else {
            if ProcessInfo.processInfo.environment["GENREKIT_REQUIRE_MODELS"] == "1" {
                XCTFail("\(missing.joined(separator: ", ")) not installed; run scripts/setup.sh")
            }
            throw XCTSkip("\(missing.joined(separator: ", ")) not installed (scripts/setup.sh)")
        }
    }

    /// A deterministic test signal: a tone gliding 200 → 2000 Hz, a 3-Hz pulse and LCG noise (mono, 16 kHz).
    static func signal(seconds: Double, variant: Double = 0) -> [Float] {
        let sr = 16000.0, n = Int(seconds * sr)
        var state: UInt32 = 12345 &+ UInt32(variant * 1000)
        var phase = 0.0
        return (0..<n).map { i in
            let t = Double(i) / sr
            phase += 2 * .pi * (200 + 1800 * t / seconds) * (1 + variant) / sr
            state = state &* 1_664_525 &+ 1_013_904_223
            let noise = Double(state >> 8) / Double(1 << 24) - 0.5
            return Float(0.3 * sin(phase) * (0.6 + 0.4 * sin(2 * .pi * 3 * t)) + 0.05 * noise)
        }
    }

    func testParsingAndKeys() throws {
        let e = try FeatureSpec(parsing: "yamnet:embedding")
        XCTAssertTrue(e.isYAMNet)
        XCTAssertEqual(e.layers, ["embedding"])
        XCTAssertEqual(e.windowLength, 0.975)
        XCTAssertEqual(e.overlap, 0.48)
        XCTAssertEqual(e.key, "yamnet:embedding@song=mean")
        XCTAssertEqual(e.windowKey, "yamnet:embedding@sha256=687f226c147a2caab4706fbbab5e9cecb14b9a368264bf61108078b1fddf68f5")
        XCTAssertEqual(try FeatureSpec(parsing: e.key), e)
        XCTAssertEqual(try FeatureSpec(model: "yamnet", layers: ["embedding"]), e, "the initialiser sets YAMNet's window")

        let both = try FeatureSpec(parsing: "yamnet:scores,embedding@song=mean+std")
        XCTAssertEqual(both.key, "yamnet:scores,embedding@song=mean+std")
        XCTAssertEqual(both.windowKey, "yamnet:scores,embedding@sha256=" + YAMNetModel.sha256)
        XCTAssertEqual(try FeatureSpec(parsing: both.key), both)

        func message(_ text: String) -> String {
            do { _ = try CombinedFeatureSpec(parsing: text); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("yamnet:nope"), "yamnet has no layer 'nope'; choose from embedding, scores")
        XCTAssertTrue(message("yamnet:embedding@length=3").contains("YAMNet's windows are fixed"), message("yamnet:embedding@length=3"))
        XCTAssertTrue(message("yamnet:embedding@pool=max").contains("'pool' does not apply"))
        XCTAssertTrue(message("nonet:embedding").contains("yamnet"), "the known models name yamnet")

        // Combined: YAMNet does not take part in the window agreement; its rows follow the musicnn part's windows.
        let c = try CombinedFeatureSpec(parsing: "MSD_musicnn:max_pool+yamnet:embedding")
        XCTAssertEqual(c.key, "MSD_musicnn:max_pool@length=3,overlap=0,pool=mean,song=mean+yamnet:embedding@song=mean")
        XCTAssertEqual(try CombinedFeatureSpec(parsing: c.key), c)
        XCTAssertEqual(c.windowPart, c.parts[0])
        let reversed = try CombinedFeatureSpec(parsing: "yamnet:embedding+MSD_musicnn:max_pool@length=5,overlap=2")
        XCTAssertEqual(reversed.windowPart.windowLength, 5)
        XCTAssertEqual(reversed.windowPart.overlap, 2)
        XCTAssertEqual(try CombinedFeatureSpec(parsing: "yamnet:embedding+yamnet:scores").windowPart.model, "yamnet")
        XCTAssertTrue(message("yamnet:embedding+yamnet:embedding@song=mean").contains("'yamnet:embedding@song=mean' is listed twice"))
        // Other parts still have to agree with each other.
        XCTAssertTrue(message("MSD_musicnn:max_pool+yamnet:scores+mfcc@length=5").contains("must cut the same windows"))
        // A model file stores the spec as its key.
        XCTAssertEqual(try FeatureSource(parsing: c.key), .audio(c))
    }

    /// ``WindowFeatures/meanPooled(into:)`` on made-up rows with YAMNet's window layout, against members counted by hand.
    func testMeanPoolingByHand() {
        // 20 YAMNet windows (a 10-s clip): starts 0.48·j, length 0.975, so centres 0.48·j + 0.4875; row j = [j, 10 j].
        let y = WindowFeatures(matrix: Tensor(shape: [20, 2], values: (0..<20).flatMap { [Float($0), Float(10 * $0)] }),
                               windowStarts: (0..<20).map { Double($0 * 7680) / 16000 }, windowSeconds: 0.975)
        // musicnn's back-to-back 3-s windows: 187 frames of 256 samples = 2.992 s.
        let m = WindowFeatures(matrix: Tensor(shape: [3, 1], values: [0, 0, 0]), windowStarts: [0, 2.992, 5.984], windowSeconds: 2.992)
        let pooled = y.meanPooled(into: m)
        // Centres in [0, 2.992): j = 0…5 (5: 2.8875 s; 6: 3.3675 s); [2.992, 5.984): 6…11; [5.984, 8.976): 12…17.
        XCTAssertEqual(pooled.matrix.shape, [3, 2])
        XCTAssertEqual(pooled.matrix.values, [2.5, 25, 8.5, 85, 14.5, 145])
        XCTAssertEqual(pooled.windowStarts, m.windowStarts)
        XCTAssertEqual(pooled.windowSeconds, 2.992)
        // Windows shorter than the hop: [1.0, 1.2) holds no centre (0.9675 and 1.4475 around it) → the nearest, j = 1;
        // [0.9, 1.0) holds j = 1's centre 0.9675.
        let short = WindowFeatures(matrix: Tensor(shape: [2, 1], values: [0, 0]), windowStarts: [1.0, 0.9], windowSeconds: 0.2)
        XCTAssertEqual(y.meanPooled(into: short).matrix.values, [1, 10, 1, 10])
    }

    /// `MSD_musicnn:max_pool+yamnet:embedding` on a generated 10-s signal: the musicnn columns are musicnn's, each row's
    /// YAMNet columns the mean of the YAMNet windows whose centre 0.48·j + 0.4875 s falls inside that 3-s window,
    /// computed here by hand from `yamnet:embedding` alone; the second run reads every part from the cache.
    func testCombinedPoolingOnAGeneratedSignal() throws {
        try requireModels(musicnn: true)
        let dir = makeTemporaryFolder("gk-yamnet-features")
        let path = dir + "/glide.wav"
        try AudioEncoder.write(Self.signal(seconds: 10), channels: 1, sampleRate: 16000, format: .wav16, to: path)
        let cache = try FeatureCache(path: dir + "/cache.sqlite")
        let spec = try CombinedFeatureSpec(parsing: "MSD_musicnn:max_pool+yamnet:embedding")
        let extractor = try CombinedFeatureExtractor(spec: spec, cache: cache)
        let combined = try extractor.extract(paths: [path])[0].get()
        XCTAssertFalse(combined.fromCache)
        XCTAssertEqual(Set(try cache.specKeys()), [spec.parts[0].windowKey, "yamnet:embedding@sha256=" + YAMNetModel.sha256])

        let musicnn = try FeatureExtractor(spec: spec.parts[0], cache: nil).extract(paths: [path])[0].get()
        let yamnet = try FeatureExtractor(spec: spec.parts[1], cache: nil).extract(paths: [path])[0].get()
        XCTAssertEqual(yamnet.windows.windowCount, 20, "1 + ⌈(160 000 − 15 600) / 7 680⌉ YAMNet windows")
        XCTAssertEqual(yamnet.windows.dimension, 1024)
        XCTAssertEqual(musicnn.windows.windowCount, 3, "three back-to-back 3-s windows in 10 s")
        XCTAssertEqual(combined.windows.matrix.shape, [3, musicnn.windows.dimension + 1024])
        XCTAssertEqual(combined.windows.windowStarts, musicnn.windows.windowStarts)
        XCTAssertEqual(combined.song, musicnn.song + yamnet.song, "each part's song vector over its own windows")

        let width = combined.windows.dimension, dm = musicnn.windows.dimension
        let ys = yamnet.windows.matrix.values, maxAbs = ys.map(abs).max()!
        var memberCounts: [Int] = []
        for (i, start) in musicnn.windows.windowStarts.enumerated() {
            let row = Array(combined.windows.matrix.values[i * width..<(i + 1) * width])
            XCTAssertEqual(Array(row[..<dm]), Array(musicnn.windows.matrix.values[i * dm..<(i + 1) * dm]))
            let end = start + musicnn.windows.windowSeconds
            let members = (0..<20).filter { j in start <= 0.48 * Double(j) + 0.4875 && 0.48 * Double(j) + 0.4875 < end }
            memberCounts.append(members.count)
            // Float sums of k values: each partial sum rounds once, so |error| ≤ (k + 1)·2⁻²⁴·max|y| after the division.
            let tolerance = Float(members.count + 1) * Float.ulpOfOne * maxAbs
            for c in 0..<1024 {
                let mean = members.reduce(0.0) { $0 + Double(ys[$1 * 1024 + c]) } / Double(members.count)
                XCTAssertEqual(row[dm + c], Float(mean), accuracy: tolerance, "window \(i), column \(c)")
            }
        }
        XCTAssertEqual(memberCounts, [6, 6, 6])
        // The rows differ (the signal changes), so the pooling did pick different windows.
        XCTAssertNotEqual(Array(combined.windows.matrix.values[dm..<width]), Array(combined.windows.matrix.values[width + dm..<2 * width]))

        let again = try extractor.extract(paths: [path])[0].get()
        XCTAssertTrue(again.fromCache)
        XCTAssertEqual(again, ExtractedFeatures(path: path, contentHash: combined.contentHash, windows: combined.windows,
                                                song: combined.song, fromCache: true))
        // The cached YAMNet rows serve another musicnn window layout too, without running YAMNet again.
        let other = try CombinedFeatureExtractor(spec: try CombinedFeatureSpec(parsing: "mfcc@length=2+yamnet:embedding"), cache: cache)
        let otherRows = try other.extract(paths: [path])[0].get()
        XCTAssertEqual(otherRows.windows.windowCount, 5)
        XCTAssertEqual(try cache.count(spec: spec.parts[1]), 1)
    }

    /// `genrekit train --features yamnet:embedding` → `evaluate` (features from the cache) → `predict` through the
    /// model file's stored spec, on three synthetic "genres" of three 2-s clips.
    func testTrainEvaluatePredictRoundTrip() throws {
        try requireModels()
        let executable = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("genrekit").path
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            return XCTFail("genrekit executable not found at \(executable); build it with the tests (swift build --build-tests)")
        }
        let root = makeTemporaryFolder("gk-yamnet-cli")
        for (g, name) in ["glide", "pulse", "hiss"].enumerated() {
            try FileManager.default.createDirectory(atPath: "\(root)/data/\(name)", withIntermediateDirectories: true)
            for k in 0..<3 {
                var x = Self.signal(seconds: 2, variant: 0.02 * Double(k))
                for i in x.indices {
                    let t = Double(i) / 16000
                    switch g {
                    case 0: break
                    case 1: x[i] = Float(0.4 * sin(2 * .pi * 110 * t) * (sin(2 * .pi * (6 + Double(k)) * t) > 0.5 ? 1 : 0))
                    default: x[i] *= 0.2; x[i] += Float(0.3 * sin(2 * .pi * 3000 * t))
                    }
                }
                try AudioEncoder.write(x, channels: 1, sampleRate: 16000, format: .wav16, to: "\(root)/data/\(name)/\(name).\(k).wav")
            }
        }
        func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = args
            p.environment = ProcessInfo.processInfo.environment.merging(["GENREKIT_CACHE": root + "/cache"]) { $1 }
            let out = Pipe(), err = Pipe()
            p.standardOutput = out; p.standardError = err
            try p.run()
            let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
        }
        let model = root + "/y.gkmodel"
        let train = try run(["train", root + "/data", "--features", "yamnet:embedding", "--classifier", "logreg", "--folds", "2",
                             "--test-fraction", "0.34", "--out", model])
        XCTAssertEqual(train.status, 0, train.err)
        XCTAssertTrue(train.err.contains("features: 9 files (0 cached, 9 computed, 0 failed)"), train.err)
        let m = try GenreModel.read(from: model)
        XCTAssertEqual(m.featureSpec, "yamnet:embedding@song=mean")
        XCTAssertEqual(m.labels, ["glide", "hiss", "pulse"])

        let eval = try run(["evaluate", model, root + "/data", "--split", "all", "--format", "json"])
        XCTAssertEqual(eval.status, 0, eval.err)
        XCTAssertTrue(eval.err.contains("(9 cached, 0 computed"), "second run reads the cache: \(eval.err)")
        let report = try JSONSerialization.jsonObject(with: Data(eval.out.utf8)) as! [String: Any]
        let song = report["song"] as! [String: Any]
        XCTAssertEqual(song["sampleCount"] as? Int, 9)
        XCTAssertGreaterThanOrEqual(song["accuracy"] as? Double ?? 0, 7.0 / 9, "three very different synthetic sounds")

        let predict = try run(["predict", model, root + "/data/pulse/pulse.0.wav", "--windows", "--format", "csv"])
        XCTAssertEqual(predict.status, 0, predict.err)
        XCTAssertTrue(predict.out.contains(root + "/data/pulse/pulse.0.wav"), predict.out)

        // embed with a combined spec: musicnn-window rows, YAMNet pooled into them.
        let embed = try run(["embed", root + "/data/glide/glide.0.wav", "--features", "mfcc+yamnet:scores", "--out", root + "/e.csv"])
        XCTAssertEqual(embed.status, 0, embed.err)
        let lines = try String(contentsOfFile: root + "/e.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2, "a 2-s clip: one (padded) 3-s window")
        XCTAssertEqual(lines[0].split(separator: ",").count, 3 + 360 + 521)
        // embed --model yamnet: YAMNet's own windows, 1 + ⌈(32 000 − 15 600) / 7 680⌉ = 4 for a 2-s clip.
        let own = try run(["embed", root + "/data/glide/glide.0.wav", "--model", "yamnet", "--layer", "embedding", "--out", root + "/y.csv"])
        XCTAssertEqual(own.status, 0, own.err)
        let rows = try String(contentsOfFile: root + "/y.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 5)
        XCTAssertEqual(rows[0].split(separator: ",").count, 3 + 1024)
        XCTAssertEqual(rows[2].split(separator: ",")[2], "0.48", "the second window starts at 0.48 s")
    }
}
