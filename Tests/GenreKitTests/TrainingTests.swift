import Foundation
import GenreKit
import XCTest

/// Training, evaluation and the model file on synthetic feature vectors (no audio, no network).
final class TrainingTests: XCTestCase {
    func songs(perClass: Int, seed: UInt64) -> [ItemFeatures] { syntheticSongs(perClass: perClass, seed: seed) }

    func testTrainSelectsByGroupedCVAndGeneralises() throws {
        var trainer = Trainer()
        trainer.choice = .logreg
        trainer.folds = 3
        let model = try trainer.train(songs(perClass: 12, seed: 1), labels: ["a", "b", "c"], featureSpec: "MSD_musicnn:max_pool")
        let selection = try XCTUnwrap(model.training.modelSelection)
        XCTAssertEqual(selection.rows.count, 4)                 // C ∈ {0.01, 0.1, 1, 10}
        XCTAssertEqual(selection.folds, 3)
        XCTAssertEqual(model.training.rows, 36 * 4)
        XCTAssertEqual(model.training.songCounts, ["a": 12, "b": 12, "c": 12])
        let report = GenreModelRunner(model: model).evaluate(songs(perClass: 10, seed: 2), aggregation: .vote)
        XCTAssertEqual(report.song.sampleCount, 30)
        XCTAssertEqual(report.segment.sampleCount, 120)
        XCTAssertGreaterThanOrEqual(report.song.accuracy, 0.9, "well-separated classes")
        XCTAssertGreaterThanOrEqual(report.song.accuracy, report.segment.accuracy - 1e-12, "voting over 4 windows helps here")
    }

    func testClassWithFewerSongsThanFoldsIsRefused() throws {
        var trainer = Trainer()
        trainer.choice = .knn
        trainer.folds = 5
        XCTAssertThrowsError(try trainer.train(songs(perClass: 3, seed: 3), labels: ["a", "b", "c"], featureSpec: "x")) {
            XCTAssertEqual($0 as? TrainerError, .classTooSmallForFolds(label: "a", songs: 3, folds: 5))
            XCTAssertTrue("\($0)".contains("--folds 3"))
        }
        trainer.folds = 1                                        // no model selection: the grid's default
        let model = try trainer.train(songs(perClass: 3, seed: 3), labels: ["a", "b", "c"], featureSpec: "x")
        XCTAssertNil(model.training.modelSelection)
        XCTAssertEqual(model.training.chosen, "knn (k=5)")
    }

    /// A song whose features hold NaN or an infinity is refused by name, by the genre and the tag trainer alike.
    func testNonFiniteFeaturesAreRefusedWithTheSongsName() throws {
        var items = songs(perClass: 5, seed: 4)
        items[3].windows[1] = .nan
        var trainer = Trainer()
        trainer.folds = 1
        XCTAssertThrowsError(try trainer.train(items, labels: ["a", "b", "c"], featureSpec: "x")) {
            XCTAssertEqual($0 as? TrainerError, .nonFiniteFeatures(song: items[3].id))
            XCTAssertTrue("\($0)".hasPrefix(items[3].id + ": its features contain NaN"))
        }
        items[3].windows[1] = 0
        items[7].song[0] = .infinity
        var tagger = TagTrainer()
        tagger.folds = 1
        XCTAssertThrowsError(try tagger.train(items, labels: ["a", "b", "c"], featureSpec: "x")) {
            XCTAssertEqual($0 as? TrainerError, .nonFiniteFeatures(song: items[7].id))
        }
    }

    func testSVMGridSearchesCAndGamma() {
        let svm = ClassifierChoice.svm.candidates(pca: nil, classWeighting: .none, seed: 0)
        XCTAssertEqual(svm.count, 11)                            // 3 C × 3 gamma (RBF) + 2 C (linear)
        XCTAssertEqual(Set(svm.compactMap { $0.parameters["gamma"] }), ["scale", "0.1·scale", "10.0·scale"])
        XCTAssertEqual(ClassifierChoice.svm.defaultCandidate(pca: nil, classWeighting: .none, seed: 0).parameters,
                       ["kernel": "rbf", "C": "1.0", "gamma": "scale"])
        XCTAssertEqual(ClassifierChoice.auto.defaultCandidate(pca: nil, classWeighting: .none, seed: 0).parameters,
                       ["kernel": "rbf", "C": "1.0", "gamma": "scale"])
    }

    func testThresholdsNeedValidationSongs() throws {
        var trainer = Trainer()
        trainer.choice = .logreg; trainer.folds = 1
        let plain = try trainer.train(songs(perClass: 6, seed: 4), labels: ["a", "b", "c"], featureSpec: "x")
        XCTAssertThrowsError(try GenreModelRunner(model: plain).aggregation(named: "threshold")) {
            XCTAssertEqual($0 as? RunnerError, .noThresholds)
        }
        let tuned = try trainer.train(songs(perClass: 6, seed: 4), validation: songs(perClass: 4, seed: 5), labels: ["a", "b", "c"], featureSpec: "x")
        XCTAssertEqual(tuned.thresholds?.count, 3)
        guard case .threshold = try GenreModelRunner(model: tuned).aggregation(named: "threshold") else { return XCTFail() }
    }

    func testModelFileRoundTripAndCorruption() throws {
        var trainer = Trainer()
        trainer.choice = .svm; trainer.folds = 1
        let model = try trainer.train(songs(perClass: 5, seed: 6), labels: ["a", "b", "c"], featureSpec: "MSD_musicnn:max_pool")
        let path = NSTemporaryDirectory() + "gk-model-\(UUID().uuidString).gkmodel"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.write(to: path)
        let back = try GenreModel.read(from: path)
        XCTAssertEqual(back.labels, ["a", "b", "c"])
        XCTAssertEqual(back.featureSpec, "MSD_musicnn:max_pool")
        let test = songs(perClass: 3, seed: 7)
        for item in test {
            XCTAssertEqual(GenreModelRunner(model: back).windowProbabilities(item), GenreModelRunner(model: model).windowProbabilities(item))
        }
        // One changed byte in the body: refused by the checksum.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count - 10] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try GenreModel.read(from: path)) { XCTAssertEqual($0 as? ModelFileError, .corrupted(path, "checksum mismatch")) }
        // Another format version: refused with a message that says to retrain.
        var text = String(decoding: bytes, as: UTF8.self)
        text = text.replacingOccurrences(of: "GENREKIT-MODEL 1 ", with: "GENREKIT-MODEL 9 ")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try GenreModel.read(from: path)) {
            XCTAssertEqual($0 as? ModelFileError, .unsupportedVersion(path, 9, 1))
            XCTAssertTrue("\($0)".contains("retrain"))
        }
        try "not a model".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try GenreModel.read(from: path)) { XCTAssertEqual($0 as? ModelFileError, .notAModel(path)) }
    }

    /// Window labels come from the classifier's own rule: an SVM votes one-vs-one (scikit-learn's `SVC.predict`).
    func testWindowLabelsFollowTheClassifiersDecisionRule() throws {
        var trainer = Trainer()
        trainer.choice = .svm; trainer.folds = 1; trainer.level = .song
        let model = try trainer.train(songs(perClass: 6, seed: 9), labels: ["a", "b", "c"], featureSpec: "x")
        let runner = GenreModelRunner(model: model)
        for item in songs(perClass: 5, seed: 10) {
            let x = Matrix(rows: 1, cols: item.dimension, floats: item.song)
            let song = runner.predictSong(item, aggregation: .vote)
            XCTAssertEqual(song.label, model.classifier.predict(x)[0])
        }
    }

    func testSongAggregation() {
        // Three windows: two vote for class 1, one (very confident) for class 0.
        let p = Matrix([[0.99, 0.01], [0.4, 0.6], [0.45, 0.55]])
        XCTAssertEqual(SongAggregation.vote.aggregate(p).label, 1)
        XCTAssertEqual(SongAggregation.vote.aggregate(p).probabilities, [1.0 / 3, 2.0 / 3])
        XCTAssertEqual(SongAggregation.mean.aggregate(p).label, 0)        // mean 0.613 vs 0.387
        XCTAssertEqual(SongAggregation.threshold([0.7, 0.3]).aggregate(p).label, 1)   // −0.087 vs +0.087
        // A tie in votes goes to the higher mean probability.
        XCTAssertEqual(SongAggregation.vote.aggregate(Matrix([[0.9, 0.1], [0.45, 0.55]])).label, 0)
        // Given window labels (e.g. SVM votes) are counted instead of each row's arg-max.
        XCTAssertEqual(SongAggregation.vote.aggregate(p, windowLabels: [0, 0, 1]).label, 0)
    }

    func testThresholdFitMaximisesF1() {
        let probs = Matrix([[0.9, 0.1], [0.6, 0.4], [0.35, 0.65], [0.2, 0.8]])
        let t = SongAggregation.fitThresholds(probabilities: probs, labels: [0, 0, 1, 1], classCount: 2)
        XCTAssertEqual(t, [0.6, 0.65])
    }

    func testFeatureSetHoldOutIsStratifiedAndReproducible() throws {
        let items = songs(perClass: 8, seed: 8)
        var a = FeatureSet(labels: ["a", "b", "c"], items: items, splits: Array(repeating: nil, count: items.count), failures: [])
        var b = a
        try a.assignSplits(testFraction: 0.25, validFraction: 0, seed: 3)
        try b.assignSplits(testFraction: 0.25, validFraction: 0, seed: 3)
        XCTAssertEqual(a.splits, b.splits)
        XCTAssertEqual(a.subset(.test).count, 6)                              // round(8 · 0.25) = 2 per class
        XCTAssertEqual(Set(a.subset(.test).map(\.label)).count, 3)
        var all = FeatureSet(labels: ["a", "b", "c"], items: items, splits: Array(repeating: nil, count: items.count), failures: [])
        try all.assignSplits(testFraction: 0, validFraction: 0, seed: 3)
        XCTAssertEqual(all.subset(.train).count, 24)
    }

    /// Model selection runs its fits in parallel and the winner's libsvm probability fit draws its folds with the
    /// C library's global rand(): the chosen candidate and the model's bytes are still the same on every run, also
    /// when two trainings run at once.
    func testTrainingIsDeterministicUnderParallelWork() throws {
        var trainer = Trainer()
        trainer.choice = .svm
        trainer.folds = 3
        let items = songs(perClass: 9, seed: 11)
        // Keys sorted as in the model file (an unsorted encoder orders keys by hash, which differs between runs).
        @Sendable func bytes(_ m: GenreModel) throws -> Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return try encoder.encode(m.classifier)
        }
        let reference = try trainer.train(items, labels: ["a", "b", "c"], featureSpec: "x")
        guard case .pipeline(let p) = reference.classifier, case .supportVectorMachine(let svm) = p.classifier else {
            return XCTFail("the svm grid gives an SVM")
        }
        XCTAssertFalse(svm.probA.isEmpty, "the winner is fitted with probability estimates")
        XCTAssertEqual(reference.training.modelSelection?.rows.count, 11)
        let expected = try bytes(reference)
        let runs = Locked([Data?](repeating: nil, count: 4))
        let chosen = Locked([String](repeating: "", count: 4))
        let parallel = trainer
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let m = try? parallel.train(items, labels: ["a", "b", "c"], featureSpec: "x")
            runs.withLock { $0[i] = try? m.map(bytes) }
            chosen.withLock { $0[i] = m?.training.chosen ?? "failed" }
        }
        for i in 0..<4 {
            XCTAssertEqual(runs.value[i], expected, "run \(i)")
            XCTAssertEqual(chosen.value[i], reference.training.chosen)
        }
    }
}
