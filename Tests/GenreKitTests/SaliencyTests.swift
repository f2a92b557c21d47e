import Foundation
import GenreKit
import XCTest

/// Sanity checks of the saliency maps (`genrekit explain`) on synthetic audio made here: the input gradient against
/// finite differences, the map's dependence on the weights (Adebayo et al. 2018), completeness of integrated
/// gradients, and deletion curves against random order.
final class SaliencyTests: XCTestCase {
    static let msd: PatchScorer? = try? PatchScorer.pretrained("MSD_musicnn")

    func scorer() throws -> PatchScorer {
        guard let s = Self.msd else {
            if ProcessInfo.processInfo.environment["GENREKIT_REQUIRE_MODELS"] == "1" {
                XCTFail("MSD_musicnn is not installed; run scripts/setup.sh"); throw XCTSkip("no model")
            }
            throw XCTSkip("MSD_musicnn not installed (run scripts/setup.sh)")
        }
        return s
    }

    /// A 16 kHz signal: a low chord, then a bright noisy burst with a fast pulse, then a high tone.
    static func syntheticSamples(seconds: Double = 3.2, seed: UInt64 = 1) -> [Float] {
        var g = SeededGenerator(seed: seed)
        let sr = 16000.0, n = Int(seconds * sr)
        return (0..<n).map { i in
            let t = Double(i) / sr
            var s = 0.0
            if t < 1.1 { s = 0.25 * sin(2 * .pi * 110 * t) + 0.2 * sin(2 * .pi * 165 * t) + 0.1 * sin(2 * .pi * 220 * t) }
            else if t < 2.2 { s = (g.nextUnit() * 2 - 1) * 0.3 * (sin(2 * .pi * 8 * t) > 0 ? 1 : 0.1) }
            else { s = 0.3 * sin(2 * .pi * 1760 * t) + 0.1 * sin(2 * .pi * 3520 * t) }
            return Float(s)
        }
    }

    /// The first window `[1, frames, 96]` of the synthetic signal's log-mel.
    static func patch(frames: Int = MusicnnInput.windowFrames, seed: UInt64 = 1) -> Tensor {
        let lm = MusicnnFrontEnd().logMel(samples: syntheticSamples(seed: seed))
        return Tensor(shape: [1, frames, MusicnnInput.melBands], values: Array(lm.prefix(frames * MusicnnInput.melBands)))
    }

    /// The class the network scores highest on `x`.
    static func topClass(_ s: PatchScorer, _ x: Tensor) -> Int {
        let logits = s.network.forwardInference(x).values
        return logits.indices.max { logits[$0] < logits[$1] }!
    }

    /// Finite differences `(L(x + h·v) − L(x − h·v)) / 2h` of the network's first-order model at `x` (ReLU masks and
    /// max selections frozen there, ``PatchScorer/linearisedScore(_:around:class:)``) against `∇s · v`, for the
    /// gradient direction and three random directions. The real network is piecewise linear with a kink wherever
    /// a ReLU or a max switches — thousands lie within any useful step, so its own differences are dominated by
    /// them (integrated-gradient completeness checks it along a whole path instead). The first-order model is
    /// affine, so the step can be large: `h = 1/max|v|` moves no cell by more than one log-mel unit, and the float32
    /// rounding of the two scores (relative ~1e-6 of |L| ≤ 100 through ~10 layers, i.e. ≤ 1e-4 each) is divided
    /// by `2h`; with 1e-3 relative on top, the tolerance bounds both.
    func checkDirectionalDerivatives(_ s: PatchScorer, _ x: Tensor, class c: Int) {
        let g = s.gradient(x, class: c)
        let atX = s.linearisedScore([x], around: x, class: c)[0]
        XCTAssertEqual(atX, g.scores[0], accuracy: 1e-4 * (1 + abs(g.scores[0])), "the first-order model equals the network at x")
        var directions: [[Float]] = [g.input.values]
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<3 { directions.append((0..<x.count).map { _ in Float(rng.nextGaussian()) }) }
        for (k, v) in directions.enumerated() {
            let dot = zip(g.input.values, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertGreaterThan(abs(dot), 0, "direction \(k): gradient is zero along it")
            let h = 1 / Double(v.map(abs).max()!)
            let plus = Tensor(shape: x.shape, values: zip(x.values, v).map { $0 + Float(h) * $1 })
            let minus = Tensor(shape: x.shape, values: zip(x.values, v).map { $0 - Float(h) * $1 })
            let l = s.linearisedScore([plus, minus], around: x, class: c)
            let fd = (l[0] - l[1]) / (2 * h)
            let tolerance = 1e-3 * abs(dot) + 2e-4 / (2 * h)
            XCTAssertEqual(fd, dot, accuracy: tolerance, "direction \(k): finite difference \(fd) vs gradient \(dot)")
        }
    }

    func testInputGradientMatchesFiniteDifferences() throws {
        let s = try scorer()
        let x = Self.patch(frames: 64)
        checkDirectionalDerivatives(s, x, class: Self.topClass(s, x))
    }

    /// The same check through a logistic-regression head on `max_pool` (chained through the network).
    func testClassifierHeadGradientMatchesFiniteDifferences() throws {
        _ = try scorer()
        // Two classes of windows: the synthetic signal and a quieter, shifted copy, `max_pool` of each.
        var rows: [[Double]] = [], labels: [Int] = []
        let probe = try PatchScorer.pretrained("MSD_musicnn")
        for seed in 1...4 {
            for (label, gain) in [(0, Float(1)), (1, Float(0.6))] {
                let x = Self.patch(frames: 64, seed: UInt64(seed))
                let scaled = Tensor(shape: x.shape, values: x.values.map { $0 * gain })
                let (v, _) = probe.network.forwardForGradient(scaled)
                rows.append(v.maxPool.values.map(Double.init)); labels.append(label)
            }
        }
        var clf = AnyClassifier.pipeline(Pipeline(classifier: .logisticRegression(LogisticRegression(c: 1))))
        try clf.fit(Matrix(rows), labels: labels, classCount: 2, sampleWeights: nil)
        let (arch, weights) = try (ModelArchitecture.named("MSD_musicnn")!, ModelStore().checkpoint(for: "MSD_musicnn"))
        let head = try PatchScorer(architecture: arch, weights: weights, head: .classifier(clf, layers: ["max_pool"]), labels: ["a", "b"])
        checkDirectionalDerivatives(head, Self.patch(frames: 64, seed: 9), class: 1)
    }

    /// Adebayo et al.'s model-randomisation test: the map of the trained network and that of the same architecture
    /// with TensorFlow-default random weights must differ (rank correlation of |map| well below 1), while the
    /// map itself is reproducible.
    func testMapChangesWhenWeightsAreRandomised() throws {
        let s = try scorer()
        let random = try PatchScorer.pretrained("random_musicnn")
        let x = Self.patch(frames: 96)
        let c = Self.topClass(s, x)
        let e = SaliencyExplainer(scorer: s), r = SaliencyExplainer(scorer: random)
        let a = try e.explain(x, class: c, method: .gradient), a2 = try e.explain(x, class: c, method: .gradient)
        let b = try r.explain(x, class: c, method: .gradient)
        XCTAssertEqual(a, a2)
        let rho = Self.spearman(a.values.map(abs), b.values.map(abs))
        XCTAssertLessThan(rho, 0.5, "gradient maps of trained and random weights have rank correlation \(rho)")
        let camA = try e.explain(x, class: c, method: .gradcam), camB = try r.explain(x, class: c, method: .gradcam)
        XCTAssertNotEqual(camA, camB)
    }

    /// Completeness: `Σ IG = s(x) − s(0)` within 1 % (trapezoid rule, 64 steps).
    func testIntegratedGradientsCompleteness() throws {
        let s = try scorer()
        let x = Self.patch(frames: 64)
        let c = Self.topClass(s, x)
        var options = ExplainOptions()
        options.steps = 64
        let ig = try SaliencyExplainer(scorer: s, options: options).explain(x, class: c, method: .integrated)
        let total = ig.values.reduce(0.0) { $0 + Double($1) }
        let sx = s.gradient(x, class: c).scores[0], s0 = s.gradient(Tensor(shape: x.shape), class: c).scores[0]
        XCTAssertGreaterThan(abs(sx - s0), 0.1, "the class score must move from silence for the test to mean something")
        XCTAssertEqual(total, sx - s0, accuracy: 0.01 * abs(sx - s0), "Σ IG \(total) vs s(x) − s(0) \(sx - s0)")
    }

    /// Deleting the cells a map ranks first lowers the class score faster than deleting them in random order.
    func testDeletionCurveFallsFasterThanRandom() throws {
        let s = try scorer()
        let x = Self.patch(frames: 96)
        let c = Self.topClass(s, x)
        var options = ExplainOptions()
        options.steps = 32
        let e = SaliencyExplainer(scorer: s, options: options)
        let random = (0..<5).map { DeletionCurve.compute(scorer: s, patch: x, class: c, relevance: nil, seed: UInt64($0)).area }
        let randomArea = random.reduce(0, +) / Double(random.count)
        // Integrated gradients and occlusion measure score contributions; the plain gradient (∂s/∂x ⊙ x) is a
        // first-order estimate that does not beat random order on this window, so it is not asserted.
        for method in [ExplainMethod.integrated, .occlusion] {
            let map = try e.explain(x, class: c, method: method)
            let curve = DeletionCurve.compute(scorer: s, patch: x, class: c, relevance: SaliencyExplainer.relevance(map, patches: x, method: method))
            XCTAssertEqual(curve.values.first, 1); XCTAssertEqual(curve.values.last, 0)
            XCTAssertLessThan(curve.area, randomArea, "\(method): deletion area \(curve.area) vs random \(randomArea)")
        }
    }

    /// Occlusion needs no gradient: it explains a kNN head; gradient methods refuse it with a typed error.
    func testOcclusionExplainsANonDifferentiableHead() throws {
        _ = try scorer()
        let probe = try PatchScorer.pretrained("MSD_musicnn")
        var rows: [[Double]] = [], labels: [Int] = []
        for seed in 1...3 {
            for (label, gain) in [(0, Float(1)), (1, Float(0.5))] {
                let x = Self.patch(frames: 64, seed: UInt64(seed))
                let (v, _) = probe.network.forwardForGradient(Tensor(shape: x.shape, values: x.values.map { $0 * gain }))
                rows.append(v.penultimate.values.map(Double.init)); labels.append(label)
            }
        }
        var clf = AnyClassifier.pipeline(Pipeline(classifier: .kNearestNeighbors(KNearestNeighbors(k: 1))))
        try clf.fit(Matrix(rows), labels: labels, classCount: 2, sampleWeights: nil)
        let (arch, weights) = try (ModelArchitecture.named("MSD_musicnn")!, ModelStore().checkpoint(for: "MSD_musicnn"))
        let head = try PatchScorer(architecture: arch, weights: weights, head: .classifier(clf, layers: ["penultimate"]), labels: ["a", "b"])
        let e = SaliencyExplainer(scorer: head)
        let x = Self.patch(frames: 64, seed: 5)
        XCTAssertThrowsError(try e.explain(x, class: 0, method: .gradient)) { XCTAssertTrue($0 is ExplainError) }
        let map = try e.explain(x, class: 0, method: .occlusion)
        XCTAssertEqual(map.shape, x.shape)
        XCTAssertTrue(map.values.allSatisfy(\.isFinite))
    }

    static func spearman(_ a: [Float], _ b: [Float]) -> Double {
        func ranks(_ v: [Float]) -> [Double] {
            let order = v.indices.sorted { v[$0] < v[$1] }
            var r = [Double](repeating: 0, count: v.count)
            for (k, i) in order.enumerated() { r[i] = Double(k) }
            return r
        }
        let ra = ranks(a), rb = ranks(b)
        let n = Double(a.count), ma = ra.reduce(0, +) / n, mb = rb.reduce(0, +) / n
        var num = 0.0, da = 0.0, db = 0.0
        for i in 0..<a.count { num += (ra[i] - ma) * (rb[i] - mb); da += (ra[i] - ma) * (ra[i] - ma); db += (rb[i] - mb) * (rb[i] - mb) }
        return num / (da * db).squareRoot()
    }
}
