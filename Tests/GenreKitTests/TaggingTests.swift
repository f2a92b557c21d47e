import Foundation
import GenreKit
import XCTest

/// Multi-label tagging on synthetic feature vectors (no audio, no network): tag sets through the feature layer,
/// the tag trainer, song-level evaluation, the model file and enrollment.
final class TaggingTests: XCTestCase {
    static let tags = ["a", "b", "c", "warm"]

    /// `syntheticSongs` with a second, coarse tag: "warm" on classes a and c.
    func songs(perClass: Int, seed: UInt64) -> [ItemFeatures] {
        syntheticSongs(perClass: perClass, seed: seed).map { item in
            var copy = item
            copy.labelSet = item.label == 1 ? [1] : [item.label, 3]
            return copy
        }
    }

    func trainer(folds: Int) -> TagTrainer {
        var t = TagTrainer()
        t.folds = folds
        return t
    }

    func testTagSetsTravelThroughTheFeatureLayer() throws {
        let dir = makeTemporaryFolder("gk-tags")
        let csv = makeFile(dir, "t.csv", "id,label,f0,f1\ns1,rock;live,1,2\ns2,jazz,3,4\ns3,live;jazz,5,6\n")
        var source = FeatureSet.Source(data: csv)
        source.featureTable = true
        let set = try FeatureSet.load(source, extractor: nil)
        XCTAssertEqual(set.labels, ["jazz", "live", "rock"])
        XCTAssertEqual(set.items.map(\.label), [2, 0, 1])                        // primary label, as before
        XCTAssertEqual(set.items.map(\.labelSet), [[1, 2], [0], [0, 1]])
        XCTAssertTrue(set.isMultiLabel)
        XCTAssertEqual(set.indicators, Matrix([[0, 1, 1], [1, 0, 0], [1, 1, 0]]))
        // Single-label items keep [label].
        XCTAssertEqual(ItemFeatures(id: "x", label: 2, windows: [], windowCount: 0, song: []).labelSet, [2])
        XCTAssertEqual(ItemFeatures(id: "x", label: -1, windows: [], windowCount: 0, song: []).labelSet, [])
    }

    func testTaggerSelectsCByMAPAndGeneralises() throws {
        let model = try trainer(folds: 3).train(songs(perClass: 12, seed: 1), labels: Self.tags, featureSpec: "MSD_musicnn:max_pool")
        XCTAssertEqual(model.task, .tagging)
        let selection = try XCTUnwrap(model.training.modelSelection)
        XCTAssertEqual(selection.scoring, .meanAveragePrecision)
        XCTAssertEqual(selection.rows.map { $0.parameters["C"] }, ["0.01", "0.1", "1.0", "10.0"])
        XCTAssertEqual(model.training.songCounts, ["a": 12, "b": 12, "c": 12, "warm": 24])
        XCTAssertEqual(model.training.chosen, "logreg (C=1.0)", "every C reaches mAP 1 here: the tie goes to C = 1")
        XCTAssertEqual(model.thresholds, [0.5, 0.5, 0.5, 0.5], "no validation songs → 0.5")
        let report = try GenreModelRunner(model: model).evaluateTags(songs(perClass: 10, seed: 2)).song
        print(report.formatted())
        XCTAssertEqual(report.sampleCount, 30)
        XCTAssertEqual(report.tags.map(\.support), [10, 10, 10, 20])
        XCTAssertGreaterThan(report.rocAUCMacro!, 0.97)
        XCTAssertGreaterThan(report.meanAveragePrecision, 0.95)
        XCTAssertGreaterThan(report.f1Micro, 0.85)
        XCTAssertEqual(report.tagsPerRow, 50.0 / 30, accuracy: 1e-12)
    }

    func testThresholdsFittedOnValidationSongs() throws {
        let validation = songs(perClass: 5, seed: 4)
        let model = try trainer(folds: 1).train(songs(perClass: 8, seed: 3), validation: validation, labels: Self.tags, featureSpec: "x")
        let t = try XCTUnwrap(model.thresholds)
        let scores = TagScoring(tagger: try model.requireTagger(), level: .segment).songScores(validation)
        XCTAssertEqual(t, TagThresholds.fit(scores: scores, indicators: validation.indicators(labelCount: 4)))
        XCTAssertNotEqual(t, [0.5, 0.5, 0.5, 0.5])
        // Each threshold is at least as good as 0.5 on the validation songs (that is what it maximises).
        for k in 0..<4 {
            func f1(_ th: Double) -> Double {
                let p = scores.column(k).map { $0 >= th }, y = validation.map { $0.labelSet.contains(k) }
                let tp = zip(p, y).filter { $0 && $1 }.count, fp = zip(p, y).filter { $0 && !$1 }.count, fn = zip(p, y).filter { !$0 && $1 }.count
                return Double(2 * tp) / Double(2 * tp + fp + fn)
            }
            XCTAssertGreaterThanOrEqual(f1(t[k]), f1(0.5))
        }
    }

    func testPerceptronTaggerAndRefusedChoices() throws {
        var t = trainer(folds: 1)
        t.choice = .mlp
        let model = try t.train(songs(perClass: 12, seed: 5), labels: Self.tags, featureSpec: "x")
        XCTAssertEqual(model.training.chosen, "mlp (hidden=256)")
        XCTAssertGreaterThan(try GenreModelRunner(model: model).evaluateTags(songs(perClass: 10, seed: 6)).song.meanAveragePrecision, 0.9)
        t.choice = .svm
        XCTAssertThrowsError(try t.train(songs(perClass: 4, seed: 5), labels: Self.tags, featureSpec: "x")) {
            XCTAssertEqual($0 as? TagTrainerError, .unsupportedClassifier("svm"))
        }
        // A tag no training song carries.
        XCTAssertThrowsError(try trainer(folds: 1).train(songs(perClass: 4, seed: 5), labels: Self.tags + ["cold"], featureSpec: "x")) {
            XCTAssertEqual($0 as? TagTrainerError, .tagWithoutSongs("cold"))
        }
    }

    func testModelFileKeepsTaggerThresholdsAndStoredRows() throws {
        let train = songs(perClass: 12, seed: 7)
        let model = try trainer(folds: 1).train(train, labels: Self.tags, featureSpec: "MSD_musicnn:max_pool")
        let stored = try XCTUnwrap(model.storedRows)
        XCTAssertEqual(stored.count, 144)                              // 36 songs × 4 windows < the 200-row limit
        XCTAssertEqual(stored.dimension, 4)
        let path = NSTemporaryDirectory() + "gk-tagger-\(UUID().uuidString).gkmodel"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.write(to: path)
        let back = try GenreModel.read(from: path)
        XCTAssertEqual(back.task, .tagging)
        XCTAssertEqual(back.labels, Self.tags)
        XCTAssertEqual(back.storedRows, stored)
        let a = TagScoring(tagger: try back.requireTagger(), level: .segment), b = TagScoring(tagger: try model.requireTagger(), level: .segment)
        XCTAssertEqual(a.songScores(train), b.songScores(train))
        // Stored rows are the training windows to float16 precision (relative error ≤ 2⁻¹¹).
        let rows = stored.matrix
        let all = train.flatMap(\.windows).map(Double.init)
        for r in 0..<rows.rows {
            let row = rows.row(r)
            let nearest = stride(from: 0, to: all.count, by: 4).map { i in zip(row, all[i..<i + 4]).map { abs($0 - $1) / max(abs($1), 1e-3) }.max()! }.min()!
            XCTAssertLessThanOrEqual(nearest, 1.0 / 2048)
        }
        // A limit below the row count spreads the sample over songs.
        let small = try XCTUnwrap(StoredRows.sample(train, level: .segment, limit: 20, seed: 0))
        XCTAssertEqual(small.count, 20)
        XCTAssertEqual(small.half.count, 20 * 4 * 2)
    }

    /// Songs of classes a and c only, tagged ["a", "c", "warm"]: warm on every a song and on the even c songs.
    func songsWithoutB(perClass: Int, seed: UInt64) -> [ItemFeatures] {
        syntheticSongs(perClass: perClass, seed: seed).filter { $0.label != 1 }.enumerated().map { i, item in
            var copy = item
            copy.label = item.label == 0 ? 0 : 1
            copy.labelSet = copy.label == 0 || i % 2 == 0 ? [copy.label, 2] : [copy.label]
            return copy
        }
    }

    func testEnrollAddsATagWithoutTouchingTheOthers() throws {
        let tags = ["a", "c", "warm"]
        let model = try trainer(folds: 1).train(songsWithoutB(perClass: 12, seed: 8), labels: tags, featureSpec: "x")
        XCTAssertEqual(model.storedRows?.count, 96)                  // 24 songs × 4 windows
        // "bee": class b, learnt from 5 examples against the stored training rows (no b song among them).
        let examples = Array(syntheticSongs(perClass: 5, seed: 9).filter { $0.label == 1 })
        XCTAssertEqual(examples.count, 5)
        let (enlarged, summary) = try TagEnrollment(tag: "bee").enroll(model, examples: examples, negatives: nil)
        XCTAssertEqual(enlarged.labels, tags + ["bee"])
        XCTAssertEqual(enlarged.thresholds, [0.5, 0.5, 0.5, 0.5])
        XCTAssertEqual(enlarged.training.songCounts["bee"], 5)
        XCTAssertEqual(summary.positiveRows, 20)
        XCTAssertEqual(summary.negativeRows, 96)
        XCTAssertEqual(summary.negativeSource, "stored training rows")
        let test = syntheticSongs(perClass: 10, seed: 10)
        let before = TagScoring(tagger: try model.requireTagger(), level: .segment).songScores(test)
        let after = TagScoring(tagger: try enlarged.requireTagger(), level: .segment).songScores(test)
        XCTAssertEqual(after.selectingColumns([0, 1, 2]), before, "the other tags are untouched")
        let bee = after.column(3), isB = test.map { $0.label == 1 }
        let roc = Metrics.rocAUC(positives: isB, scores: bee)
        let hits = zip(bee, isB).filter { ($0 >= 0.5) == $1 }.count
        print("enrolled 'bee' from 5 songs: ROC-AUC \(roc), \(hits)/30 songs right at 0.5, mean score \(summary.meanPositiveScore) vs \(summary.meanNegativeScore)")
        XCTAssertGreaterThan(roc, 0.95)
        XCTAssertGreaterThanOrEqual(hits, 27)
        // Replacing "warm" by examples of class c: stored rows of warm songs are not negatives, only the odd c songs.
        let cOnly = Array(syntheticSongs(perClass: 3, seed: 11).filter { $0.label == 2 })
        let (replaced, s2) = try TagEnrollment(tag: "warm", replace: true).enroll(model, examples: cOnly, negatives: nil)
        XCTAssertTrue(s2.replaced)
        XCTAssertEqual(s2.negativeRows, 24, "6 odd c songs × 4 windows")
        XCTAssertEqual(replaced.labels, tags)
        let r = TagScoring(tagger: try replaced.requireTagger(), level: .segment).songScores(test)
        XCTAssertEqual(r.selectingColumns([0, 1]), before.selectingColumns([0, 1]))
        // Given negatives instead of the stored rows.
        let (_, s3) = try TagEnrollment(tag: "bee").enroll(model, examples: examples, negatives: Array(test.prefix(4)))
        XCTAssertEqual(s3.negativeRows, 16)
        XCTAssertEqual(s3.negativeSource, "given songs")
    }

    func testEnrollRefusals() throws {
        let model = try trainer(folds: 1).train(songs(perClass: 6, seed: 12), labels: Self.tags, featureSpec: "x")
        let ex = songs(perClass: 2, seed: 13)
        func refuses(_ e: TagEnrollment, _ examples: [ItemFeatures], negatives: [ItemFeatures]? = nil, on m: GenreModel? = nil,
                     _ expected: TagEnrollmentError, line: UInt = #line) {
            XCTAssertThrowsError(try e.enroll(m ?? model, examples: examples, negatives: negatives), line: line) {
                XCTAssertEqual($0 as? TagEnrollmentError, expected, line: line)
            }
        }
        refuses(TagEnrollment(tag: "new"), [ex[0]], .tooFewExamples(1, 2))
        refuses(TagEnrollment(tag: "warm"), ex, .tagExists("warm"))
        refuses(TagEnrollment(tag: "cold", replace: true), ex, .noSuchTag("cold", Self.tags))
        refuses(TagEnrollment(tag: " "), ex, .badTagName(" "))
        refuses(TagEnrollment(tag: "new"), ex, negatives: [], .noNegatives)
        var bare = model
        bare.storedRows = nil
        refuses(TagEnrollment(tag: "new"), ex, on: bare, .noNegatives)
        let wide = ItemFeatures(id: "wide", label: -1, windows: [1, 2, 3, 4, 5], windowCount: 1, song: [1, 2, 3, 4, 5])
        refuses(TagEnrollment(tag: "new"), [wide, wide], .dimensionMismatch("wide", 5, 4))
        XCTAssertTrue("\(TagEnrollmentError.tagExists("warm"))".contains("--replace"))
        // A genre classifier is not a tagger.
        var plain = Trainer()
        plain.choice = .logreg; plain.folds = 1
        let classifier = try plain.train(syntheticSongs(perClass: 4, seed: 14), labels: ["a", "b", "c"], featureSpec: "x")
        XCTAssertThrowsError(try TagEnrollment(tag: "new").enroll(classifier, examples: ex, negatives: nil)) {
            XCTAssertEqual($0 as? TaggingModelError, .notATagger(3))
        }
    }
}
