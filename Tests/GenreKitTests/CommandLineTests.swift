import Foundation
import GenreKit
import XCTest

/// The `genrekit` executable end to end on a tiny dataset the test synthesises: three "genres" of four 4-s clips
/// (distinct chords and pulse rates), train → evaluate → predict → tag, machine-readable output parsed back.
final class CommandLineTests: XCTestCase {
    var executable: String {
        // The build folder holds the test resources bundle and the executables side by side.
        Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("genrekit").path
    }

    func run(_ args: [String], env: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func makeDataset(_ root: String) throws {
        let genres: [(String, [Double], Double)] = [("drone", [110, 165], 0), ("bells", [880, 1320, 1760], 2), ("pulse", [220, 277], 8)]
        for (g, (name, freqs, pulse)) in genres.enumerated() {
            try FileManager.default.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: true)
            for k in 0..<4 {
                let sr = 16000, n = 4 * sr
                var x = [Float](repeating: 0, count: n)
                for i in 0..<n {
                    let t = Double(i) / Double(sr)
                    let env = pulse > 0 ? (0.5 + 0.5 * sin(2 * .pi * pulse * t)) : 1
                    var s = 0.0
                    for f in freqs { s += sin(2 * .pi * f * (1 + 0.01 * Double(k)) * t) }
                    x[i] = Float(0.2 * env * s / Double(freqs.count) + 0.01 * Double(g))
                }
                try AudioEncoder.write(x, channels: 1, sampleRate: sr, format: .wav16, to: "\(root)/\(name)/\(name).\(k).wav")
            }
        }
    }

    func testTrainEvaluatePredictTag() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            return XCTFail("genrekit executable not found at \(executable); build it with the tests (swift build --build-tests)")
        }
        guard ModelStore().isInstalled("MSD_musicnn") else {
            if ProcessInfo.processInfo.environment["GENREKIT_REQUIRE_MODELS"] == "1" { return XCTFail("MSD_musicnn missing") }
            throw XCTSkip("MSD_musicnn not installed")
        }
        let root = NSTemporaryDirectory() + "gk-cli-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeDataset(root + "/data")
        let env = ["GENREKIT_CACHE": root + "/cache"]
        let model = root + "/m.gkmodel"

        let train = try run(["train", root + "/data", "--classifier", "logreg", "--folds", "2", "--test-fraction", "0.25", "--out", model], env: env)
        XCTAssertEqual(train.status, 0, train.err)
        XCTAssertTrue(train.out.contains("model selection (2-fold"), train.out)
        XCTAssertTrue(train.err.contains("features: 12 files (0 cached, 12 computed, 0 failed)"), train.err)
        let m = try GenreModel.read(from: model)
        XCTAssertEqual(m.labels, ["bells", "drone", "pulse"])
        XCTAssertEqual(m.training.songCounts, ["bells": 3, "drone": 3, "pulse": 3])

        let eval = try run(["evaluate", model, root + "/data", "--format", "json", "--report", root + "/report.html"], env: env)
        XCTAssertEqual(eval.status, 0, eval.err)
        XCTAssertTrue(eval.err.contains("(12 cached, 0 computed"), "second run reads the cache: \(eval.err)")
        let page = try String(contentsOfFile: root + "/report.html", encoding: .utf8)
        XCTAssertEqual(page.components(separatedBy: "class=\"hm-cell\"").count - 1, 4 * 9, "four 3 × 3 confusion matrices")
        XCTAssertTrue(page.contains("Misclassified songs (0 of 3)"), "the held-out songs are all right")
        let report = try JSONSerialization.jsonObject(with: Data(eval.out.utf8)) as! [String: Any]
        let song = report["song"] as! [String: Any]
        XCTAssertEqual(song["sampleCount"] as? Int, 3)                   // the held-out 25 %: one song per genre
        XCTAssertEqual(song["accuracy"] as? Double, 1.0, "three very different synthetic genres")

        let predict = try run(["predict", model, root + "/data/pulse/pulse.0.wav", "/nonexistent.wav", "--format", "csv"], env: env)
        XCTAssertEqual(predict.status, 1, "one bad file → exit 1, the others still predicted")
        XCTAssertTrue(predict.out.split(separator: "\n").contains { $0.hasPrefix(root + "/data/pulse/pulse.0.wav,pulse,") }, predict.out)
        XCTAssertTrue(predict.err.contains("/nonexistent.wav: no such file"), predict.err)

        let tag = try run(["tag", root + "/data/bells/bells.0.wav", "--format", "json", "--top", "3"])
        XCTAssertEqual(tag.status, 0, tag.err)
        let tagged = try JSONSerialization.jsonObject(with: Data(tag.out.utf8)) as! [[String: Any]]
        XCTAssertEqual((tagged[0]["taggram"] as? [[Double]])?.first?.count, 50)
        XCTAssertEqual((tagged[0]["top_tags"] as? [Any])?.count, 3)

        // A batch report: the distribution over the files, one taggram per tagged file, the failure listed.
        let batch = try run(["tag", root + "/data/bells/bells.0.wav", root + "/data/drone/drone.0.wav", "/nonexistent.wav",
                             "--top", "3", "--report", root + "/tags.html"])
        XCTAssertEqual(batch.status, 1, "one file failed")
        let tagPage = try String(contentsOfFile: root + "/tags.html", encoding: .utf8)
        XCTAssertTrue(tagPage.contains("2 files tagged, 1 failed."))
        XCTAssertTrue(tagPage.contains("bells.0.wav: ") && tagPage.contains("drone.0.wav: "))
        XCTAssertTrue(tagPage.contains("<td>/nonexistent.wav</td>"))
        let windows = (tagged[0]["taggram"] as? [[Double]])?.count ?? 0
        XCTAssertGreaterThan(windows, 0)
        XCTAssertEqual(tagPage.components(separatedBy: "class=\"hm-cell\"").count - 1, 20 * windows * 2,
                       "20 tag rows × windows per file (both files have the same length)")

        // A folder as the argument, jsonl: one line per file in path order (nested folders searched), the bad file's
        // error as a {"path", "error"} line, exit 1; json: one valid document holding the error too.
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/batch/inner", withIntermediateDirectories: true)
        try fm.copyItem(atPath: root + "/data/bells/bells.0.wav", toPath: root + "/batch/a.wav")
        try fm.copyItem(atPath: root + "/data/drone/drone.0.wav", toPath: root + "/batch/inner/c.wav")
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: root + "/batch/b.wav"))
        try Data("notes".utf8).write(to: URL(fileURLWithPath: root + "/batch/notes.txt"))
        let lines = try run(["tag", root + "/batch", "--format", "jsonl", "--top", "1"])
        XCTAssertEqual(lines.status, 1, "one file failed")
        let records = lines.out.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(records.map { $0["path"] as? String }, [root + "/batch/a.wav", root + "/batch/b.wav", root + "/batch/inner/c.wav"])
        XCTAssertNotNil(records[1]["error"] as? String)
        XCTAssertEqual((records[0]["top_tags"] as? [Any])?.count, 1)
        let document = try run(["tag", root + "/batch", "--format", "json", "--top", "1"])
        XCTAssertEqual(document.status, 1)
        let all = try JSONSerialization.jsonObject(with: Data(document.out.utf8)) as! [[String: Any]]
        XCTAssertEqual(all.count, 3)
        XCTAssertEqual(all[1]["path"] as? String, root + "/batch/b.wav")
        XCTAssertNotNil(all[1]["error"] as? String)

        let bad = try run(["evaluate", root + "/data/drone/drone.0.wav", root + "/data"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.err.contains("not a GenreKit model file"), bad.err)
    }

    func testFinetuneThenEvaluateAndPredict() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            return XCTFail("genrekit executable not found at \(executable); build it with the tests (swift build --build-tests)")
        }
        guard ModelStore().isInstalled("MSD_musicnn") else {
            if ProcessInfo.processInfo.environment["GENREKIT_REQUIRE_MODELS"] == "1" { return XCTFail("MSD_musicnn missing") }
            throw XCTSkip("MSD_musicnn not installed")
        }
        let root = NSTemporaryDirectory() + "gk-cli-ft-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeDataset(root + "/data")
        let env = ["GENREKIT_CACHE": root + "/cache"]
        let model = root + "/ft.gkmodel"
        let ft = try run(["finetune", root + "/data", "--train", "backend", "--epochs", "4", "--batch", "8", "--lr", "0.003",
                          "--valid-fraction", "0.34", "--segment-hop", "0.25", "--history", root + "/h.csv", "--out", model], env: env)
        XCTAssertEqual(ft.status, 0, ft.err)
        XCTAssertTrue(ft.err.contains("on 6 training and 3 validation songs, 3 classes"), ft.err)
        XCTAssertTrue(ft.err.contains("epoch   4/4"), ft.err)
        XCTAssertTrue(ft.out.contains("wrote \(model) (MSD_musicnn~ft"), ft.out)
        let history = try String(contentsOfFile: root + "/h.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(history.count, 5)
        let m = try GenreModel.read(from: model)
        XCTAssertEqual(m.labels, ["bells", "drone", "pulse"])
        XCTAssertEqual(m.network?.base, "MSD_musicnn")
        XCTAssertEqual(m.training.splitSeed, 0)

        let eval = try run(["evaluate", model, root + "/data", "--format", "json"], env: env)
        XCTAssertEqual(eval.status, 0, eval.err)
        let report = try JSONSerialization.jsonObject(with: Data(eval.out.utf8)) as! [String: Any]
        XCTAssertEqual((report["song"] as! [String: Any])["sampleCount"] as? Int, 3, "the same held-out test songs as train")
        let predict = try run(["predict", model, root + "/data/pulse/pulse.0.wav", "--format", "json"], env: env)
        XCTAssertEqual(predict.status, 0, predict.err)
        let p = try JSONSerialization.jsonObject(with: Data(predict.out.utf8)) as! [[String: Any]]
        XCTAssertEqual((p[0]["probabilities"] as? [String: Double])?.count, 3)

        let refused = try run(["finetune", root + "/data", "--from", "MSD_vgg", "--epochs", "1", "--out", root + "/x.gkmodel"], env: env)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.err.contains("MSD_vgg cannot be fine-tuned"), refused.err)
        let int8 = try run(["finetune", root + "/data", "--precision", "int8", "--epochs", "1", "--out", root + "/y.gkmodel"], env: env)
        XCTAssertNotEqual(int8.status, 0)
        XCTAssertTrue(int8.err.contains("fine-tuning runs fp32 or bf16"), int8.err)
    }

    /// A "buzz" the tagger never saw: a 440 Hz square-ish tone gated at 4 Hz.
    func makeBuzz(_ path: String, detune: Double) throws {
        let sr = 16000, n = 4 * sr
        var x = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let t = Double(i) / Double(sr)
            let tone = sin(2 * .pi * 440 * (1 + detune) * t) >= 0 ? 1.0 : -1.0
            x[i] = Float(0.15 * tone * (sin(2 * .pi * 4 * t) > 0 ? 1 : 0.1))
        }
        try AudioEncoder.write(x, channels: 1, sampleRate: sr, format: .wav16, to: path)
    }

    /// Multi-label end to end: train --task tagging on a manifest (genre + "steady" on drone and bells), tag with the
    /// .gkmodel, evaluate, enroll a new tag from two examples, tag again.
    func testTaggingTrainTagEnroll() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            return XCTFail("genrekit executable not found at \(executable); build it with the tests (swift build --build-tests)")
        }
        guard ModelStore().isInstalled("MSD_musicnn") else {
            if ProcessInfo.processInfo.environment["GENREKIT_REQUIRE_MODELS"] == "1" { return XCTFail("MSD_musicnn missing") }
            throw XCTSkip("MSD_musicnn not installed")
        }
        let root = NSTemporaryDirectory() + "gk-cli-tags-\(UUID().uuidString)"
        defer { if ProcessInfo.processInfo.environment["GK_KEEP"] == nil { try? FileManager.default.removeItem(atPath: root) } else { print("kept \(root)") } }
        try makeDataset(root + "/data")
        var manifest = "path,tags\n"
        for g in ["bells", "drone", "pulse"] { for k in 0..<4 { manifest += "\(g)/\(g).\(k).wav,\(g)\(g == "pulse" ? "" : ";steady")\n" } }
        try manifest.write(toFile: root + "/data/tags.csv", atomically: true, encoding: .utf8)
        for k in 0..<3 { try makeBuzz(root + "/buzz\(k).wav", detune: 0.01 * Double(k)) }
        let env = ["GENREKIT_CACHE": root + "/cache"]
        let model = root + "/tags.gkmodel"

        let train = try run(["train", root + "/data/tags.csv", "--task", "tagging", "--classifier", "logreg", "--folds", "1",
                             "--test-fraction", "0", "--out", model], env: env)
        XCTAssertEqual(train.status, 0, train.err)
        XCTAssertTrue(train.err.contains("training songs per tag: bells 4, drone 4, pulse 4, steady 8"), train.err)
        let m = try GenreModel.read(from: model)
        XCTAssertEqual(m.task, .tagging)
        XCTAssertEqual(m.labels, ["bells", "drone", "pulse", "steady"])
        XCTAssertEqual(m.thresholds, [0.5, 0.5, 0.5, 0.5])
        XCTAssertEqual(m.storedRows?.count, 12)                       // 12 songs × 1 window of 3 s

        let eval = try run(["evaluate", model, root + "/data/tags.csv", "--split", "all", "--format", "json"], env: env)
        XCTAssertEqual(eval.status, 0, eval.err)
        let report = try JSONSerialization.jsonObject(with: Data(eval.out.utf8)) as! [String: Any]
        let song = report["song"] as! [String: Any]
        XCTAssertEqual(song["sampleCount"] as? Int, 12)
        XCTAssertEqual(song["meanAveragePrecision"] as? Double, 1.0, "training songs, very different synthetic sounds")
        XCTAssertEqual(song["f1Micro"] as? Double, 1.0)

        func tags(_ file: String) throws -> [String: Any] {
            let tag = try run(["tag", file, "--model", model, "--format", "json", "--top", "5"], env: env)
            XCTAssertEqual(tag.status, 0, tag.err)
            return (try JSONSerialization.jsonObject(with: Data(tag.out.utf8)) as! [[String: Any]])[0]
        }
        let bells = try tags(root + "/data/bells/bells.0.wav")
        XCTAssertEqual(bells["tags"] as? [String], ["bells", "drone", "pulse", "steady"])
        XCTAssertEqual((bells["taggram"] as? [[Double]])?.first?.count, 4)
        XCTAssertEqual(Set(((bells["decided_tags"] as? [[String: Any]]) ?? []).compactMap { $0["tag"] as? String }), ["bells", "steady"])

        // Enrollment: refusals first, then "buzz" from two examples against the 12 stored training rows.
        let one = try run(["enroll", model, "--tag", "buzz", "--examples", root + "/buzz0.wav"], env: env)
        XCTAssertEqual(one.status, 1)
        XCTAssertTrue(one.err.contains("give at least 2 with --examples"), one.err)
        let missing = try run(["enroll", model, "--tag", "buzz", "--examples", root + "/buzz0.wav", root + "/nope.wav"], env: env)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.err.contains("nope.wav: no such file") && missing.err.contains("could not be read"), missing.err)
        let exists = try run(["enroll", model, "--tag", "steady", "--examples", root + "/buzz0.wav", root + "/buzz1.wav"], env: env)
        XCTAssertEqual(exists.status, 1)
        XCTAssertTrue(exists.err.contains("--replace"), exists.err)
        XCTAssertEqual(try GenreModel.read(from: model).labels.count, 4, "refused enrollments leave the model alone")

        let enroll = try run(["enroll", model, "--tag", "buzz", "--examples", root + "/buzz0.wav", root + "/buzz1.wav"], env: env)
        XCTAssertEqual(enroll.status, 0, enroll.err)
        print(enroll.out)
        XCTAssertTrue(enroll.out.contains("enrolled 'buzz' from 2 example songs (2 rows) against 12 rows of stored training rows"), enroll.out)
        let enlarged = try GenreModel.read(from: model)
        XCTAssertEqual(enlarged.labels, ["bells", "drone", "pulse", "steady", "buzz"])

        let buzz = try tags(root + "/buzz2.wav"), bellsAgain = try tags(root + "/data/bells/bells.0.wav")
        func score(_ entry: [String: Any], _ tag: String) -> Double {
            let names = entry["tags"] as! [String], taggram = entry["taggram"] as! [[Double]]
            let j = names.firstIndex(of: tag)!
            return taggram.map { $0[j] }.reduce(0, +) / Double(taggram.count)
        }
        print("buzz score: held-out buzz clip \(score(buzz, "buzz")), bells clip \(score(bellsAgain, "buzz"))")
        XCTAssertTrue(((buzz["decided_tags"] as? [[String: Any]]) ?? []).contains { $0["tag"] as? String == "buzz" }, "\(buzz["decided_tags"] ?? "")")
        XCTAssertGreaterThan(score(buzz, "buzz"), 0.5)
        XCTAssertLessThan(score(bellsAgain, "buzz"), 0.5)
        // The old tags' scores did not move.
        for t in ["bells", "drone", "pulse", "steady"] { XCTAssertEqual(score(bellsAgain, t), score(bells, t), accuracy: 1e-6) }
    }
}

