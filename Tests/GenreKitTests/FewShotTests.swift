import Foundation
import GenreKit
import XCTest

/// `tagCount` tags × `perTag` songs; song vectors (`tagCount` values): `separation` in the tag's own dimension
/// plus uniform noise in [−0.5, 0.5] everywhere (pure noise when `separation` is 0).
func taggedSongs(tagCount: Int, perTag: Int, separation: Float, seed: UInt64, prefix: String = "s") -> TaggedSongs {
    var g = SeededGenerator(seed: seed)
    let d = tagCount
    var ids: [String] = [], tags: [[Int]] = [], vectors: [Float] = []
    for t in 0..<tagCount {
        for s in 0..<perTag {
            ids.append("\(prefix)\(t)-\(s)"); tags.append([t])
            for j in 0..<d { vectors.append((j == t ? separation : 0) + Float.random(in: -0.5...0.5, using: &g)) }
        }
    }
    return TaggedSongs(ids: ids, tagNames: (0..<tagCount).map { "tag\($0)" }, tags: tags, vectors: vectors, dimension: d)
}

final class FewShotTests: XCTestCase {
    func testEpisodeSamplingCountsAndNoLeakage() throws {
        let pool = taggedSongs(tagCount: 6, perTag: 8, separation: 1, seed: 1)
        for setting in [FewShotSetting(ways: .count(3), shots: 2), FewShotSetting(ways: .all, shots: 5), FewShotSetting(ways: .count(6), shots: 1)] {
            try FewShotSampler.validate(setting, pool: pool, testSet: nil)
            let eligible = FewShotSampler.eligibleTags(pool, setting: setting, testSet: nil)
            XCTAssertEqual(eligible, Array(0..<6))
            let sampler = FewShotSampler(setting: setting, seed: 42)
            let n = setting.ways == .all ? 6 : (setting.ways == .count(3) ? 3 : 6)
            var tagSets = Set<[Int]>()
            for e in 0..<10 {
                let ep = sampler.episode(e, pool: pool, queryFromPool: true, eligible: eligible)
                XCTAssertEqual(ep.tags.count, n)
                XCTAssertEqual(ep.tags, ep.tags.sorted())
                XCTAssertEqual(ep.support.count, n * setting.shots, "\(setting)")
                for t in ep.tags { XCTAssertEqual(ep.support.filter { pool.has($0, tag: t) }.count, setting.shots) }
                // Support and query are disjoint and cover the pool.
                XCTAssertTrue(Set(ep.support).isDisjoint(with: ep.query))
                XCTAssertEqual(Set(ep.support).union(ep.query), Set(0..<pool.count))
                XCTAssertEqual(ep.query.count, 48 - n * setting.shots)
                // Reproducible from the seed alone, whatever else runs.
                XCTAssertEqual(FewShotSampler(setting: setting, seed: 42).episode(e, pool: pool, queryFromPool: true, eligible: eligible), ep)
                tagSets.insert(ep.tags)
            }
            if setting.ways == .count(3) { XCTAssertGreaterThan(tagSets.count, 3, "different episodes draw different tags") }
        }
        let a = FewShotSampler(setting: .init(ways: .count(3), shots: 2), seed: 1).episode(0, pool: pool, queryFromPool: true, eligible: Array(0..<6))
        let b = FewShotSampler(setting: .init(ways: .count(3), shots: 2), seed: 2).episode(0, pool: pool, queryFromPool: true, eligible: Array(0..<6))
        XCTAssertNotEqual(a, b, "another seed, another episode")
        XCTAssertEqual(FewShotSampler.episodeSeed(7, setting: .init(ways: .count(5), shots: 1), episode: 3),
                       FewShotSampler.episodeSeed(7, setting: .init(ways: .count(5), shots: 1), episode: 3))
        XCTAssertNotEqual(FewShotSampler.episodeSeed(7, setting: .init(ways: .count(5), shots: 1), episode: 3),
                          FewShotSampler.episodeSeed(7, setting: .init(ways: .count(5), shots: 5), episode: 3))
    }

    func testMultiLabelSupportHasAtLeastKPositives() {
        // Song i carries tag i mod 4 and tag (i + 1) mod 4: every tag on 6 of the 12 songs.
        let tags = (0..<12).map { [$0 % 4, ($0 + 1) % 4] }
        let pool = TaggedSongs(ids: (0..<12).map { "m\($0)" }, tagNames: ["a", "b", "c", "d"], tags: tags,
                               vectors: (0..<24).map(Float.init), dimension: 2)
        let setting = FewShotSetting(ways: .count(3), shots: 2)
        let eligible = FewShotSampler.eligibleTags(pool, setting: setting, testSet: nil)
        for e in 0..<20 {
            let ep = FewShotSampler(setting: setting, seed: 5).episode(e, pool: pool, queryFromPool: true, eligible: eligible)
            for t in ep.tags { XCTAssertGreaterThanOrEqual(ep.support.filter { pool.has($0, tag: t) }.count, 2) }
            XCTAssertLessThanOrEqual(ep.support.count, 6)
            XCTAssertTrue(Set(ep.support).isDisjoint(with: ep.query))
        }
    }

    func testValidationErrorsSayWhatToDo() {
        let pool = taggedSongs(tagCount: 4, perTag: 5, separation: 1, seed: 2)
        func message(_ s: FewShotSetting, test: TaggedSongs? = nil) -> String {
            do { try FewShotSampler.validate(s, pool: pool, testSet: test); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(.init(ways: .count(1), shots: 1)).contains("at least 2 tags"))
        XCTAssertEqual(message(.init(ways: .count(5), shots: 1)), "--ways 5 asks for more tags than the data has (4); use --ways 4 or all")
        XCTAssertEqual(message(.init(ways: .count(2), shots: 0)), "--shots 0: give at least 1 positive song per tag")
        XCTAssertEqual(message(.init(ways: .all, shots: 5)),
                       "all-way 5-shot: tag 'tag0' has 5 songs in the support pool but needs 6 (5 for the support set and at least 1 left as a query); "
                       + "only 0 of the 4 tags needed qualify. Use fewer --shots (at most 4 for this tag), or give --test DATA2 as the query set.")
        XCTAssertEqual(message(.init(ways: .all, shots: 4)), "no error")
        // N ways: only tags with enough songs are drawn; too few of them is refused with the usable settings.
        let uneven = TaggedSongs(ids: (0..<21).map { "u\($0)" }, tagNames: ["a", "b", "c", "d"], tags: (0..<21).map { [$0 < 18 ? $0 / 6 : 3] },
                                 vectors: [Float](repeating: 0, count: 21), dimension: 1)
        XCTAssertEqual(FewShotSampler.eligibleTags(uneven, setting: .init(ways: .count(3), shots: 5), testSet: nil), [0, 1, 2])
        XCTAssertNoThrow(try FewShotSampler.validate(.init(ways: .count(3), shots: 5), pool: uneven, testSet: nil))
        XCTAssertThrowsError(try FewShotSampler.validate(.init(ways: .count(4), shots: 5), pool: uneven, testSet: nil)) {
            XCTAssertEqual("\($0)", "4-way 5-shot: tag 'd' has 3 songs in the support pool but needs 6 (5 for the support set and at least 1 left as a query); "
                           + "only 3 of the 4 tags needed qualify. Use fewer --shots (at most 2 for this tag), fewer --ways (at most 3), or give --test DATA2 as the query set.")
        }
        // With a separate query set every pool song may be a support song.
        XCTAssertEqual(message(.init(ways: .all, shots: 5), test: taggedSongs(tagCount: 4, perTag: 1, separation: 1, seed: 3)), "no error")
    }

    func testSeparableTagsScorePerfectlyAndNoiseScoresChance() throws {
        let good = taggedSongs(tagCount: 6, perTag: 10, separation: 8, seed: 3)
        let noise = taggedSongs(tagCount: 6, perTag: 10, separation: 0, seed: 4)
        var experiment = FewShotExperiment(settings: [.init(ways: .count(4), shots: 3), .init(ways: .all, shots: 3), .init(ways: .all, shots: 1)],
                                           episodes: 12, seed: 9)
        let rows = try experiment.run([.init(features: "good", pool: good), .init(features: "noise", pool: noise)])
        XCTAssertEqual(rows.map(\.features), ["good", "good", "good", "noise", "noise", "noise"])
        XCTAssertEqual(rows.map(\.ways), [4, 6, 6, 4, 6, 6])
        // With every tag sampled, each probe ranks its queries perfectly.
        for r in rows[1...2] {
            XCTAssertEqual(r.rocAUC.mean, 1, "separable tags: every probe ranks its queries perfectly")
            XCTAssertEqual(r.prAUC.mean, 1)
            XCTAssertEqual(r.rocAUC.halfWidth, 0)
            XCTAssertEqual(r.episodes.count, 12)
        }
        // 4-way 3-shot: 12 support songs, 48 queries, 7 positives per tag among them → chance PR-AUC 7/48.
        XCTAssertEqual(rows[0].episodes[0].supportSongs, 12)
        XCTAssertEqual(rows[0].episodes[0].querySongs, 48)
        XCTAssertEqual(rows[0].prChance, 7.0 / 48, accuracy: 1e-15)
        XCTAssertEqual(rows[1].prChance, 7.0 / 42, accuracy: 1e-15)
        XCTAssertEqual(rows[2].prChance, 9.0 / 54, accuracy: 1e-15)
        // 4 of 6 tags: the 2 unsampled tags' dimensions are pure noise in the support set, so standardising on the
        // support set blows their queries' values up and some probes rank them high. Still far above noise.
        XCTAssertLessThan(rows[0].rocAUC.mean, 1)
        XCTAssertGreaterThan(rows[0].rocAUC.mean, rows[3].rocAUC.mean + 0.2)
        for r in rows[3...] {
            XCTAssertEqual(r.rocAUC.mean, 0.5, accuracy: 0.1, "noise features: chance")
            XCTAssertGreaterThan(r.rocAUC.halfWidth, 0)
        }
        // The episode table: mean of the episodes' macro scores, t interval with 11 degrees of freedom.
        let macro = rows[3].episodes.map(\.rocAUC)
        XCTAssertEqual(rows[3].rocAUC, MeanConfidenceInterval(macro))
        XCTAssertEqual(rows[3].episodes[0].rocAUC, rows[3].episodes[0].tagROCAUC.reduce(0, +) / 4, accuracy: 1e-15)

        // Same results on one thread: each episode has its own generator and result slot.
        experiment.concurrency = 1
        let serial = try experiment.run([.init(features: "good", pool: good), .init(features: "noise", pool: noise)])
        XCTAssertEqual(serial.map(\.episodes), rows.map(\.episodes))

        // JSON: settings as text, NaN-free rows, every episode.
        let json = try JSONSerialization.jsonObject(with: FewShotTable.json(rows)) as! [[String: Any]]
        let setting = json[1]["setting"] as? [String: Any]
        XCTAssertEqual(setting?["ways"] as? String, "all")
        XCTAssertEqual(setting?["shots"] as? Int, 3)
        XCTAssertEqual((json[0]["episodes"] as? [Any])?.count, 12)
        XCTAssertEqual(try JSONDecoder().decode(FewShotSetting.self, from: Data(#"{"ways":"5","shots":2}"#.utf8)), FewShotSetting(ways: .count(5), shots: 2))

        let text = FewShotTable.text(rows)
        XCTAssertTrue(text.hasPrefix("features    ways  shots  episodes  dims  roc_auc  roc_auc_ci95  pr_auc  pr_auc_ci95  pr_chance\n"), text)
        XCTAssertTrue(text.contains("good      all(6)      1        12     6   1.0000        0.0000  1.0000       0.0000     0.1667"), text)
        XCTAssertEqual(FewShotTable.csv(rows).split(separator: "\n").count, 7)
        let html = FewShotCharts.page(rows, title: "t")
        XCTAssertTrue(html.contains("<b>1.000 ± 0.000</b>"))
        // Charts: per measure, one curve per (features, ways) against shots, and bars per setting × features.
        let curveKeys = Set(rows.map { "\($0.features), \($0.setting.ways)-way" })
        XCTAssertEqual(html.components(separatedBy: "<polyline").count - 1, 2 * curveKeys.count)
        XCTAssertEqual(html.components(separatedBy: "class=\"bar\"").count - 1, 2 * rows.count)
    }

    func testSeparateTestSetAndSongAlignment() throws {
        let pool = taggedSongs(tagCount: 3, perTag: 4, separation: 8, seed: 5)
        let test = taggedSongs(tagCount: 3, perTag: 2, separation: 8, seed: 6, prefix: "t")
        // The second input lacks one pool song: both inputs are cut to the common songs.
        let fewer = pool.keeping(ids: Set(pool.ids.dropFirst()))
        let rows = try FewShotExperiment(settings: [.init(ways: .all, shots: 3)], episodes: 4, seed: 1)
            .run([.init(features: "a", pool: pool, test: test), .init(features: "b", pool: fewer, test: test)])
        for r in rows {
            XCTAssertEqual(r.episodes.map(\.querySongs), [6, 6, 6, 6])
            XCTAssertEqual(r.episodes.map(\.supportSongs), [9, 9, 9, 9])
            XCTAssertEqual(r.prChance, 1.0 / 3, accuracy: 1e-15)
            XCTAssertEqual(r.rocAUC.mean, 1)
        }
        XCTAssertEqual(rows[0].episodes.map(\.tags), rows[1].episodes.map(\.tags))
        XCTAssertThrowsError(try FewShotExperiment(settings: [.init(ways: .all, shots: 1)], episodes: 0).run([.init(features: "a", pool: pool)])) {
            XCTAssertEqual($0 as? FewShotError, .invalidEpisodes(0))
        }
    }
}
