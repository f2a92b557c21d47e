import Foundation
import GenreKit
import XCTest

/// `genrekit predict` and `embed` write each file's result as soon as it is done, in input order: `--format jsonl`
/// lines (errors as `{"path", "error"}`), an `.npy` whose header always matches the rows on disk, and a `kill -9`
/// in the middle of a batch leaves every finished file's output on disk. Uses the handcrafted `mfcc` features, so no
/// network weights are needed.
final class BatchOutputCommandTests: XCTestCase {
    var executable: String {
        Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("genrekit").path
    }

    var root = ""

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw XCTSkip("genrekit executable not found at \(executable); build it with the tests (swift build --build-tests)")
        }
        root = NSTemporaryDirectory() + "gk-batchout-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let r = root
        addTeardownBlock { try? FileManager.default.removeItem(atPath: r) }
    }

    /// `count` clips of `seconds` per genre ("low", "high") under `folder`.
    func makeClips(_ folder: String, count: Int, seconds: Double) throws {
        for (g, (name, f)) in [("high", 1760.0), ("low", 110.0)].enumerated() {
            try FileManager.default.createDirectory(atPath: "\(folder)/\(name)", withIntermediateDirectories: true)
            for k in 0..<count {
                let sr = 16000, n = Int(seconds * Double(sr))
                let x = (0..<n).map { i in Float(0.3 * sin(2 * .pi * f * (1 + 0.02 * Double(k)) * Double(i) / Double(sr)) + 0.01 * Double(g)) }
                try AudioEncoder.write(x, channels: 1, sampleRate: sr, format: .wav16, to: String(format: "%@/%@/%@.%02d.wav", folder, name, name, k))
            }
        }
    }

    func process(_ args: [String], stdout: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(["GENREKIT_CACHE": root + "/cache"]) { $1 }
        FileManager.default.createFile(atPath: stdout, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    func run(_ args: [String]) throws -> (status: Int32, out: String) {
        let out = root + "/out-\(UUID().uuidString).txt"
        let p = try process(args, stdout: out)
        p.waitUntilExit()
        return (p.terminationStatus, try String(contentsOfFile: out, encoding: .utf8))
    }

    func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func trainModel() throws -> String {
        try makeClips(root + "/data", count: 3, seconds: 4)
        let model = root + "/m.gkmodel"
        let train = try run(["train", root + "/data", "--features", "mfcc", "--classifier", "logreg", "--folds", "2", "--out", model])
        XCTAssertEqual(train.status, 0)
        return model
    }

    func testPredictWritesJSONLinesInInputOrderWithErrors() throws {
        let model = try trainModel()
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: root + "/data/high/high.01b.wav"))
        let r = try run(["predict", model, root + "/data", "--format", "jsonl"])
        XCTAssertEqual(r.status, 1, "one file failed")
        let lines = r.out.split(separator: "\n")
        let records = jsonLines(r.out)
        XCTAssertEqual(records.count, lines.count, "every line is one JSON object")
        let expected = ["high.00", "high.01", "high.01b", "high.02", "low.00", "low.01", "low.02"].map {
            root + "/data/" + $0.prefix { $0 != "." } + "/" + $0 + ".wav"
        }
        XCTAssertEqual(records.map { $0["path"] as? String }, expected)
        XCTAssertNotNil(records[2]["error"] as? String)
        XCTAssertNil(records[2]["genre"])
        for (i, rec) in records.enumerated() where i != 2 {
            XCTAssertEqual(rec["genre"] as? String, i < 4 ? "high" : "low", "\(rec)")
        }
        // --format json: one valid document with the error in it.
        let doc = try run(["predict", model, root + "/data", "--format", "json"])
        XCTAssertEqual(doc.status, 1)
        let all = try JSONSerialization.jsonObject(with: Data(doc.out.utf8)) as? [[String: Any]]
        XCTAssertEqual(all?.count, 7)
        XCTAssertNotNil(all?[2]["error"] as? String)
    }

    /// Starts `args` (stdout to a file), waits until `ready(stdout)` holds, then `kill -9`s it; returns the file's text.
    func killMidway(_ args: [String], until ready: (String) -> Bool) throws -> String {
        let out = root + "/killed-\(UUID().uuidString).txt"
        let p = try process(args, stdout: out)
        let deadline = Date().addingTimeInterval(600)
        while p.isRunning && Date() < deadline {
            if ready((try? String(contentsOfFile: out, encoding: .utf8)) ?? "") { break }
            usleep(20_000)
        }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return try String(contentsOfFile: out, encoding: .utf8)
    }

    func testKillMidBatchKeepsFinishedPredictions() throws {
        let model = try trainModel()
        try makeClips(root + "/many", count: 40, seconds: 20)
        let files = try FileManager.default.subpathsOfDirectory(atPath: root + "/many").filter { $0.hasSuffix(".wav") }.sorted()
        let text = try killMidway(["predict", model, root + "/many", "--format", "jsonl"]) { $0.split(separator: "\n").count >= 2 }
        // What is on disk is whole lines, each a finished file's record, the first files in input order.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()   // text ends in "\n"
        XCTAssertTrue(text.hasSuffix("\n"), "no half-written line")
        let records = jsonLines(text)
        XCTAssertEqual(records.count, lines.count)
        XCTAssertGreaterThanOrEqual(records.count, 2)
        XCTAssertEqual(records.map { $0["path"] as? String }, files.prefix(records.count).map { root + "/many/" + $0 })
        XCTAssertTrue(records.allSatisfy { $0["genre"] is String })
        print("kill -9 after \(records.count) of \(files.count) files: \(records.count) lines on disk")
    }

    func testEmbedWritesRowsAsFilesFinish() throws {
        try makeClips(root + "/data", count: 2, seconds: 7)         // 2 windows of 3 s each
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: root + "/data/low/bad.wav"))
        let npy = root + "/f.npy"
        let r = try run(["embed", root + "/data", "--features", "mfcc", "--out", npy])
        XCTAssertEqual(r.status, 1, "one file failed, the others written")
        let a = try NPYArray(contentsOf: npy)
        let index = try String(contentsOfFile: npy + ".rows.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(a.shape[0], 8)
        XCTAssertEqual(index.count, 8)
        XCTAssertEqual(a.values.count, a.shape[0] * a.shape[1])
        XCTAssertTrue(index.first!.hasPrefix(root + "/data/high/high.00.wav,0,0"))
        XCTAssertFalse(index.contains { $0.contains("bad.wav") })
        // The same rows as CSV.
        let csv = root + "/f.csv"
        XCTAssertEqual(try run(["embed", root + "/data", "--features", "mfcc", "--out", csv]).status, 1)
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 9)
        XCTAssertEqual(rows[1].split(separator: ",").count, 3 + a.shape[1])
        XCTAssertEqual(Float(rows[1].split(separator: ",")[3]), a.values[0])
    }

    func testKillMidEmbedLeavesAValidNPY() throws {
        try makeClips(root + "/many", count: 40, seconds: 20)
        let npy = root + "/k.npy"
        _ = try killMidway(["embed", root + "/many", "--features", "mfcc", "--out", npy]) { _ in
            ((try? String(contentsOfFile: npy + ".rows.csv", encoding: .utf8))?.split(separator: "\n").count ?? 0) >= 1 + 2 * 6
        }
        let a = try NPYArray(contentsOf: npy)                      // header and rows agree after the kill
        let index = try String(contentsOfFile: npy + ".rows.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertGreaterThanOrEqual(a.shape[0], 12)
        XCTAssertEqual(a.shape[0] % 6, 0, "whole files only: 6 windows per 20-s file")
        XCTAssertGreaterThanOrEqual(index.count, a.shape[0], "the index names every row in the array")
        print("embed kill -9: \(a.shape[0]) rows (\(a.shape[0] / 6) files) in a valid .npy")
    }
}
