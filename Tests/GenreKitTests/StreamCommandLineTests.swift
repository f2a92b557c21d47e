import Foundation
import GenreKit
import XCTest

/// `genrekit stream` against the file commands at the command line: the same windows (count, start times, top label,
/// every probability) as `genrekit tag --format json` for a published network and `genrekit predict --windows` for a
/// trained model, whether stream reads a WAV file or raw PCM from standard input. ``StreamTests`` checks the same at
/// the library level; this checks the commands' parsing, layout handling and printing around it.
final class StreamCommandLineTests: XCTestCase {
    var executable: String {
        Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("genrekit").path
    }

    func run(_ args: [String], stdin: Data? = nil, env: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let input = Pipe(), out = Pipe(), err = Pipe()
        p.standardInput = input; p.standardOutput = out; p.standardError = err
        try p.run()
        let writer = Thread {
            if let stdin { input.fileHandleForWriting.write(stdin) }
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let errDone = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var e = Data()
        DispatchQueue.global().async { e = err.fileHandleForReading.readDataToEndOfFile(); errDone.signal() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        errDone.wait()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// `seconds` of a 16 kHz test signal (a chord that changes every 2 s, a pulse, a little noise), seeded.
    static func signal(seconds: Double, seed: UInt64) -> [Float] {
        var g = SeededGenerator(seed: seed)
        let sr = 16000.0
        return (0..<Int(seconds * sr)).map { i in
            let t = Double(i) / sr
            let root = 110 * pow(2, Double(Int(t / 2) * 5 % 12) / 12)
            let pulse = (t * 4).truncatingRemainder(dividingBy: 1) < 0.2 ? 1.0 : 0.4
            return Float(0.2 * pulse * (sin(2 * .pi * root * t) + 0.5 * sin(2 * .pi * root * 1.5 * t)) + 0.02 * g.nextGaussian())
        }
    }

    /// The sample bytes (`data` chunk) of a WAV file.
    static func dataChunk(_ wav: Data) -> Data {
        var i = 12
        while i + 8 <= wav.count {
            let size = Int(wav[i + 4]) | Int(wav[i + 5]) << 8 | Int(wav[i + 6]) << 16 | Int(wav[i + 7]) << 24
            if wav[i..<(i + 4)] == Data("data".utf8) { return wav[(i + 8)..<min(wav.count, i + 8 + size)] }
            i += 8 + size + (size & 1)
        }
        return Data()
    }

    /// Stream lines → (start, probabilities in `labels` order, top label); `--top` must cover every label.
    func streamRows(_ out: String, labels: [String]) throws -> [(start: Double, p: [Double], top: String)] {
        try out.split(separator: "\n").map { line in
            let r = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            var scores: [String: Double] = [:]
            let top = r["top"] as! [[String: Any]]
            for t in top { scores[t["label"] as! String] = (t["p"] as! NSNumber).doubleValue }
            return ((r["start_s"] as! NSNumber).doubleValue, labels.map { scores[$0] ?? .nan }, top[0]["label"] as! String)
        }
    }

    /// Equal windows: count, start times (the same formula, so within double rounding), every probability within
    /// 1e-4 and the same top label. The log-mel windows are bit-identical (``StreamTests``); the network's outputs differ
    /// only by the GEMM shape (one window at a time vs a chunk of windows): float32 rounding through ~10 layers, far
    /// below 1e-4 on probabilities.
    func assertSameWindows(_ rows: [(start: Double, p: [Double], top: String)], _ expected: [(start: Double, p: [Double])],
                           labels: [String], _ what: String) {
        XCTAssertEqual(rows.count, expected.count, what)
        for (w, (got, want)) in zip(rows, expected).enumerated() {
            XCTAssertEqual(got.start, want.start, accuracy: 1e-9, "\(what): window \(w) start")
            for j in labels.indices { XCTAssertEqual(got.p[j], want.p[j], accuracy: 1e-4, "\(what): window \(w), \(labels[j])") }
            XCTAssertEqual(got.top, labels[want.p.indices.max { want.p[$0] < want.p[$1] }!], "\(what): window \(w) top label")
        }
    }

    func testStreamEqualsTagAndPredictWindows() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            return XCTFail("genrekit executable not found at \(executable); build it with the tests (swift build --build-tests)")
        }
        guard ModelStore().isInstalled("MSD_musicnn") else {
            if ProcessInfo.processInfo.environment["GENREKIT_REQUIRE_MODELS"] == "1" { return XCTFail("MSD_musicnn missing") }
            throw XCTSkip("MSD_musicnn not installed")
        }
        let root = NSTemporaryDirectory() + "gk-stream-cli-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let env = ["GENREKIT_CACHE": root + "/cache"]
        // 10.5 s: three whole windows of 2.992 s and a remainder that neither command turns into a window.
        let song = root + "/song.wav"
        try FileManager.default.createDirectory(atPath: root + "/data/low", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/data/high", withIntermediateDirectories: true)
        try AudioEncoder.write(Self.signal(seconds: 10.5, seed: 1), channels: 1, sampleRate: 16000, format: .wav16, to: song)
        let pcm = Self.dataChunk(try Data(contentsOf: URL(fileURLWithPath: song)))
        XCTAssertEqual(pcm.count, 2 * 168_000)

        // A published network: stream (WAV file, and raw s16le on standard input) vs tag's taggram.
        let tag = try run(["tag", song, "--format", "json"])
        XCTAssertEqual(tag.status, 0, tag.err)
        let tagged = (try JSONSerialization.jsonObject(with: Data(tag.out.utf8)) as! [[String: Any]])[0]
        let tags = tagged["tags"] as! [String]
        let taggram = (tagged["taggram"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
        let starts = (tagged["window_starts_s"] as! [NSNumber]).map(\.doubleValue)
        let expected = Array(zip(starts, taggram))
        XCTAssertEqual(expected.count, 3)
        let fromFile = try run(["stream", "--model", "MSD_musicnn", "--input", song, "--top", "\(tags.count)"])
        XCTAssertEqual(fromFile.status, 0, fromFile.err)
        assertSameWindows(try streamRows(fromFile.out, labels: tags), expected.map { ($0.0, $0.1) }, labels: tags, "WAV file")
        let fromPipe = try run(["stream", "--model", "MSD_musicnn", "--pcm", "s16le", "--rate", "16000", "--top", "\(tags.count)"], stdin: pcm)
        XCTAssertEqual(fromPipe.status, 0, fromPipe.err)
        assertSameWindows(try streamRows(fromPipe.out, labels: tags), expected.map { ($0.0, $0.1) }, labels: tags, "raw PCM on standard input")
        XCTAssertTrue(fromPipe.err.contains("stream: 3 windows from 10.5 s of audio"), fromPipe.err)

        // A trained model: stream vs predict --windows.
        for (k, (name, f)) in [("low", 220.0), ("high", 1760.0)].enumerated() {
            for i in 0..<3 {
                let x = (0..<48000).map { Float(0.3 * sin(2 * .pi * f * (1 + 0.02 * Double(i)) * Double($0) / 16000) + 0.01 * Double(k)) }
                try AudioEncoder.write(x, channels: 1, sampleRate: 16000, format: .wav16, to: "\(root)/data/\(name)/\(name).\(i).wav")
            }
        }
        let model = root + "/m.gkmodel"
        let train = try run(["train", root + "/data", "--classifier", "logreg", "--folds", "1", "--test-fraction", "0", "--out", model], env: env)
        XCTAssertEqual(train.status, 0, train.err)
        let labels = try GenreModel.read(from: model).labels
        let predict = try run(["predict", model, song, "--windows", "--format", "jsonl"], env: env)
        XCTAssertEqual(predict.status, 0, predict.err)
        let record = try JSONSerialization.jsonObject(with: Data(predict.out.utf8)) as! [String: Any]
        let windows = (record["windows"] as! [[String: Any]]).map {
            (($0["start_s"] as! NSNumber).doubleValue, ($0["probabilities"] as! [NSNumber]).map(\.doubleValue))
        }
        XCTAssertEqual(windows.count, 3)
        let streamed = try run(["stream", "--model", model, "--pcm", "s16le", "--rate", "16000", "--top", "\(labels.count)"], stdin: pcm)
        XCTAssertEqual(streamed.status, 0, streamed.err)
        assertSameWindows(try streamRows(streamed.out, labels: labels), windows.map { ($0.0, $0.1) }, labels: labels, "trained model")
    }
}
