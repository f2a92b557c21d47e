import GenreKitCore
import GenreKitLearning
import XCTest

/// The attention-pooling head: its gradient against finite differences, and a toy task only attention can solve
/// well (one informative window per song among noisy ones).
final class AttentionPoolingTests: XCTestCase {
    /// Songs of `windows` windows × 4 features: windows are noise `N(0, 2²)` in feature 0 and `N(0, 1)` in 1–2, with
    /// marker feature 3 = 0; one window per song (at a random place) has marker 3 = 4 and feature 0 = ±2 by class.
    static func toySongs(_ count: Int, windows: Int = 6, seed: UInt64) -> (songs: [Matrix], labels: [Int]) {
        var g = SeededGenerator(seed: seed)
        var songs: [Matrix] = [], labels: [Int] = []
        for i in 0..<count {
            let y = i % 2
            let informative = Int(g.next() % UInt64(windows))
            var m = Matrix(rows: windows, cols: 4)
            for w in 0..<windows {
                if w == informative {
                    m[w, 0] = y == 1 ? 2 : -2; m[w, 1] = g.nextGaussian(); m[w, 2] = g.nextGaussian(); m[w, 3] = 4
                } else {
                    m[w, 0] = 2 * g.nextGaussian(); m[w, 1] = g.nextGaussian(); m[w, 2] = g.nextGaussian(); m[w, 3] = 0
                }
            }
            songs.append(m); labels.append(y)
        }
        return (songs, labels)
    }

    /// Central differences in double precision, step `h = 1e-5`: truncation `O(h²)` ≈ 1e-10 and rounding
    /// `ε·|L|/h` ≈ 1e-11 for a loss of order 1, so 1e-6 (absolute, plus 1e-5 relative) is far above both.
    func testGradientMatchesFiniteDifferences() throws {
        let (songs, labels) = Self.toySongs(6, windows: 5, seed: 3)
        var head = AttentionPooling(hidden: 3, l2: 0, epochs: 3, seed: 1)
        try head.fit(songs: songs, labels: labels.map { $0 + ($0 == 1 ? 1 : 0) }, classCount: 3)   // classes 0 and 2 of 3
        let p0 = head.parameters
        for (song, label) in zip(songs.prefix(3), [0, 1, 2]) {
            let (_, grad) = head.lossGradient(song, label: label)
            XCTAssertEqual(grad.count, p0.count)
            let h = 1e-5
            for i in stride(from: 0, to: p0.count, by: 3) {
                var plus = head, minus = head
                var pp = p0, pm = p0
                pp[i] += h; pm[i] -= h
                plus.parameters = pp; minus.parameters = pm
                let fd = (plus.lossGradient(song, label: label).loss - minus.lossGradient(song, label: label).loss) / (2 * h)
                XCTAssertEqual(grad[i], fd, accuracy: 1e-6 + 1e-5 * abs(fd), "parameter \(i)")
            }
        }
    }

    /// One window per song decides the label: attention finds it (the marker feature), mean pooling drowns it in the
    /// noise of the other windows.
    func testAttentionBeatsMeanPoolingOnOneInformativeWindow() throws {
        let train = Self.toySongs(200, seed: 11), test = Self.toySongs(200, seed: 12)
        var head = AttentionPooling(hidden: 8, l2: 1e-3, learningRate: 0.05, epochs: 300, seed: 0)
        try head.fit(songs: train.songs, labels: train.labels, classCount: 2)
        var again = AttentionPooling(hidden: 8, l2: 1e-3, learningRate: 0.05, epochs: 300, seed: 0)
        try again.fit(songs: train.songs, labels: train.labels, classCount: 2)
        XCTAssertEqual(head, again, "training is deterministic for a seed")
        func accuracy(_ predict: (Matrix) -> [Double]) -> Double {
            var right = 0
            for (s, y) in zip(test.songs, test.labels) {
                let p = predict(s)
                if (p[1] > p[0] ? 1 : 0) == y { right += 1 }
            }
            return Double(right) / Double(test.songs.count)
        }
        let attention = accuracy { head.predict($0).probabilities }
        func meanRow(_ m: Matrix) -> [Double] { (0..<m.cols).map { c in (0..<m.rows).reduce(0) { $0 + m[$1, c] } / Double(m.rows) } }
        var mean = AnyClassifier.pipeline(Pipeline(classifier: .logisticRegression(LogisticRegression(c: 1))))
        try mean.fit(Matrix(train.songs.map(meanRow)), labels: train.labels, classCount: 2, sampleWeights: nil)
        let meanAccuracy = accuracy { mean.predictProbabilities(Matrix([meanRow($0)])).row(0) }
        XCTAssertGreaterThan(attention, 0.9, "attention pooling accuracy \(attention)")
        XCTAssertGreaterThan(attention, meanAccuracy + 0.1, "attention \(attention) vs mean pooling \(meanAccuracy)")
        // The informative window gets well over its uniform share of the weight (1/6).
        var onMarked = 0.0
        for song in test.songs {
            let weights = head.predict(song).weights
            XCTAssertEqual(weights.reduce(0, +), 1, accuracy: 1e-12)
            onMarked += weights[(0..<song.rows).first { song[$0, 3] == 4 }!] / Double(test.songs.count)
        }
        XCTAssertGreaterThan(onMarked, 2.0 / 6, "mean attention weight on the informative window \(onMarked); accuracy \(attention) vs mean \(meanAccuracy)")
    }

    /// Before any step the head is mean pooling: every window weighs exactly `1/W` (`v = 0`) and, with `C = 0`,
    /// every class `1/k`. A learning rate of 0 keeps those parameters through training.
    func testStartsAsMeanPooling() throws {
        let (songs, labels) = Self.toySongs(12, windows: 5, seed: 4)
        var head = AttentionPooling(hidden: 3, learningRate: 0, epochs: 5, seed: 2, validationFolds: 0)
        try head.fit(songs: songs, labels: labels, classCount: 2)
        for song in songs {
            let (p, w) = head.predict(song)
            for x in w { XCTAssertEqual(x, 1.0 / 5, accuracy: 1e-15) }
            for x in p { XCTAssertEqual(x, 0.5, accuracy: 1e-15) }
        }
    }

    /// Labels that are pure noise: trained for all its epochs the head learns the training songs by heart and its
    /// held-out loss rises well above `log 2` (chance); with epochs and `λ` chosen by song cross-validation it stops
    /// early and stays much closer to chance on new songs.
    func testCrossValidationStopsOverfittingOnNoise() throws {
        func noise(_ count: Int, seed: UInt64) -> (songs: [Matrix], labels: [Int]) {
            var g = SeededGenerator(seed: seed)
            let songs = (0..<count).map { _ in Matrix(rows: 4, cols: 40, values: (0..<160).map { _ in g.nextGaussian() }) }
            return (songs, (0..<count).map { $0 % 2 })
        }
        let train = noise(40, seed: 21), test = noise(200, seed: 22)
        func heldOutLoss(_ head: AttentionPooling) -> Double {
            zip(test.songs, test.labels).reduce(0.0) { $0 - log(head.predict($1.0).probabilities[$1.1]) } / Double(test.songs.count)
        }
        var overfit = AttentionPooling(l2: 1e-3, learningRate: 0.05, epochs: 200, seed: 0, validationFolds: 0)
        try overfit.fit(songs: train.songs, labels: train.labels, classCount: 2)
        var selected = AttentionPooling(l2: 1e-3, learningRate: 0.05, epochs: 200, seed: 0, validationFolds: 5,
                                        l2Candidates: AttentionPooling.defaultL2Candidates)
        try selected.fit(songs: train.songs, labels: train.labels, classCount: 2)
        XCTAssertEqual(selected.validationCurves.count, AttentionPooling.defaultL2Candidates.count)
        XCTAssertTrue(AttentionPooling.defaultL2Candidates.contains(selected.l2))
        XCTAssertLessThan(selected.epochs, 200, "early stopping chose \(selected.epochs) epochs")
        let (lossOverfit, lossSelected) = (heldOutLoss(overfit), heldOutLoss(selected))
        XCTAssertLessThan(overfit.lossCurve.last!, 0.1, "the unselected head should learn 40 noise songs by heart")
        XCTAssertGreaterThan(lossOverfit, log(2) + 0.1, "overfit head held-out loss \(lossOverfit)")
        // Any head fitted on noise is worse than chance on new songs; the selected one by less than half as much.
        XCTAssertLessThan(lossSelected - log(2), (lossOverfit - log(2)) / 2, "selected head held-out loss \(lossSelected) vs overfit \(lossOverfit)")
    }

    /// A head written before the entropy prior and cross-validation (no such keys) still reads, with `β = 0`.
    func testReadsHeadsWithoutTheNewSettings() throws {
        let (songs, labels) = Self.toySongs(12, windows: 5, seed: 5)
        var head = AttentionPooling(hidden: 2, epochs: 3, seed: 1, entropyWeight: 0, validationFolds: 0)
        try head.fit(songs: songs, labels: labels, classCount: 2)
        // Both sides go through JSONSerialization, so any number formatting it does applies to both alike.
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(head)) as! [String: Any]
        let full = try JSONDecoder().decode(AttentionPooling.self, from: JSONSerialization.data(withJSONObject: json))
        for key in ["entropyWeight", "validationFolds", "l2Candidates", "validationCurves"] {
            XCTAssertNotNil(json.removeValue(forKey: key), key)
        }
        let old = try JSONDecoder().decode(AttentionPooling.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertEqual(old, full)
        XCTAssertEqual(old.entropyWeight, 0)
        XCTAssertEqual(old.predict(songs[0]).probabilities, full.predict(songs[0]).probabilities)
    }
}
