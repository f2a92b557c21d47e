import Foundation
import GenreKit
import XCTest

/// `genrekit fewshot` and `genrekit study --test` end to end (no network weights needed: a feature table and
/// handcrafted descriptors).
extension CommandLineTests {
    func testFewShotOnFeatureTable() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            return XCTFail("genrekit executable not found at \(executable); build it with the tests (swift build --build-tests)")
        }
        let root = makeTemporaryFolder("gk-fewshot-cli")
        // 4 tags × 6 songs; column t is 5 for tag t, 0 otherwise: every probe separates its tag perfectly.
        var csv = "id,label,f0,f1,f2,f3\n"
        for t in 0..<4 {
            for s in 0..<6 {
                let values = (0..<4).map { j in j == t ? 5.0 : 0.0 }
                csv += "song\(t)_\(s),tag\(t)," + values.map { "\($0)" }.joined(separator: ",") + "\n"
            }
        }
        try csv.write(toFile: root + "/table.csv", atomically: true, encoding: .utf8)
        let args = ["fewshot", root + "/table.csv", "--feature-table", "--ways", "2,all", "--shots", "1,3", "--episodes", "5", "--seed", "3", "--format", "csv"]
        let r = try run(args + ["--out", root + "/fewshot.json"])
        XCTAssertEqual(r.status, 0, r.err)
        let lines = r.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "features,ways,shots,episodes,dims,roc_auc,roc_auc_ci95,pr_auc,pr_auc_ci95,pr_chance")
        XCTAssertEqual(lines.count, 5)
        // 2-way 1-shot: 2 support songs, 22 queries with 5 positives per tag; all-way 3-shot: 12 and 12 with 3.
        XCTAssertEqual(lines[1], "table:label,2,1,5,4,1.0000,0.0000,1.0000,0.0000,0.2273")
        XCTAssertEqual(lines[4], "table:label,all(4),3,5,4,1.0000,0.0000,1.0000,0.0000,0.2500")
        XCTAssertTrue(r.err.contains("few-shot: 24 pool songs, 4 tags, queries from the pool; 4 settings × 5 episodes × 1 feature sets"), r.err)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/fewshot.json"))) as! [[String: Any]]
        XCTAssertEqual(json.count, 4)
        XCTAssertEqual((json[0]["episodes"] as? [Any])?.count, 5)

        let again = try run(args)
        XCTAssertEqual(again.out, r.out, "seeded: the same table again")

        let tooMany = try run(["fewshot", root + "/table.csv", "--feature-table", "--ways", "all", "--shots", "6"])
        XCTAssertEqual(tooMany.status, 1)
        XCTAssertTrue(tooMany.err.contains("tag 'tag0' has 6 songs in the support pool but needs 7") && tooMany.err.contains("--test DATA2"), tooMany.err)
    }

    func testStudyHeldOutWithCombinedHandcraftedSpec() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            return XCTFail("genrekit executable not found at \(executable); build it with the tests (swift build --build-tests)")
        }
        let root = makeTemporaryFolder("gk-study-test")
        try makeDataset(root + "/data")
        let env = ["GENREKIT_CACHE": root + "/cache"]
        let r = try run(["study", root + "/data", "--test", root + "/data", "--features", "mfcc", "--features", "mfcc+handcrafted:all",
                         "--classifier", "logreg", "--level", "song", "--out", root + "/study.csv"], env: env)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("features: 24 part-files (12 cached, 12 computed, 0 failed)"), "the mfcc part comes from the cache: \(r.err)")
        let rows = try String(contentsOfFile: root + "/study.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 3)
        let combined = rows[2].split(separator: ",")
        XCTAssertEqual(combined[0], "\"mfcc+handcrafted:all\"")
        XCTAssertEqual(Int(combined[1]), 360 + HandcraftedFeatures.columnNames.count)
        XCTAssertEqual(Double(combined[2]), 1.0, "scored on its own training songs: three very different synthetic genres")
        XCTAssertEqual(Double(combined[3]), 0.0, "one held-out score: no spread")
        XCTAssertTrue(r.out.contains("mfcc+handcrafted:all") && r.out.contains("1.000 ± 0.000"), r.out)
    }
}

extension CommandLineTests {
    /// A combined spec goes into the model file as its key and comes back out of it for evaluate and predict;
    /// embed --features writes its concatenated window rows.
    func testCombinedSpecThroughTrainEvaluatePredictEmbed() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            return XCTFail("genrekit executable not found at \(executable); build it with the tests (swift build --build-tests)")
        }
        let root = makeTemporaryFolder("gk-combined-cli")
        try makeDataset(root + "/data")
        let env = ["GENREKIT_CACHE": root + "/cache"]
        let spec = "mfcc+handcrafted:all@song=max"
        let train = try run(["train", root + "/data", "--features", spec, "--classifier", "logreg", "--folds", "1", "--out", root + "/m.gkmodel"], env: env)
        XCTAssertEqual(train.status, 0, train.err)
        let m = try GenreModel.read(from: root + "/m.gkmodel")
        XCTAssertEqual(m.featureSpec, try CombinedFeatureSpec(parsing: spec).key)
        XCTAssertEqual(m.training.dimensions, 360 + HandcraftedFeatures.columnNames.count)

        let eval = try run(["evaluate", root + "/m.gkmodel", root + "/data", "--format", "json"], env: env)
        XCTAssertEqual(eval.status, 0, eval.err)
        XCTAssertTrue(eval.err.contains("features: 24 part-files (24 cached, 0 computed, 0 failed)"), eval.err)
        let report = try JSONSerialization.jsonObject(with: Data(eval.out.utf8)) as! [String: Any]
        XCTAssertEqual((report["song"] as? [String: Any])?["sampleCount"] as? Int, 3)

        let predict = try run(["predict", root + "/m.gkmodel", root + "/data/bells/bells.1.wav", "--format", "csv"], env: env)
        XCTAssertEqual(predict.status, 0, predict.err)
        XCTAssertTrue(predict.out.contains(root + "/data/bells/bells.1.wav,"), predict.out)

        let embed = try run(["embed", root + "/data/drone/drone.0.wav", "--features", spec, "--out", root + "/e.csv"], env: env)
        XCTAssertEqual(embed.status, 0, embed.err)
        let lines = try String(contentsOfFile: root + "/e.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2, "header + one 3-s window of the 4-s clip")
        XCTAssertEqual(lines[1].split(separator: ",").count, 3 + 360 + HandcraftedFeatures.columnNames.count)
        XCTAssertTrue(embed.err.contains("1 rows × \(360 + HandcraftedFeatures.columnNames.count) features"), embed.err)
    }
}
