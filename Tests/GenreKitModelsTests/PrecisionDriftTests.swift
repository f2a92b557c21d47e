import Foundation
import GenreKitCore
import GenreKitDSP
import GenreKitNN
import XCTest
@_spi(Benchmarks) @testable import GenreKitModels

/// bf16 and int8 inference against fp32 on synthetic music made here (harmonic notes, a bass line and noise
/// bursts, seeded): the drift goals — max |taggram − fp32 taggram| ≤ 0.01 in bf16 and ≤ 0.02 in int8 —
/// on both published musicnn networks. Skipped where the CPU falls back to fp32 (the fallback decision is tested in
/// `WeightGEMMTests.testFallbackDecision`).
final class PrecisionDriftTests: XCTestCase {
    /// `seconds` of 16-kHz audio: three-note chords changing every 0.5 s over a bass note, with noise hits.
    static func song(seed: UInt64, seconds: Double = 12) -> [Float] {
        let sr = 16000.0, count = Int(seconds * sr)
        var s = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> Double { s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; return Double(s >> 11) * 0x1p-53 }
        let scale = [0, 2, 3, 5, 7, 8, 10].map { Double($0) }
        var chords: [[Double]] = []
        for _ in 0..<Int(seconds * 2 + 1) {
            let root = 48 + scale[Int(next() * 7)] + 12 * Double(Int(next() * 2))
            chords.append([root, root + 3 + Double(Int(next() * 2)), root + 7, 36 + scale[Int(next() * 7)]])
        }
        var y = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let t = Double(i) / sr, c = chords[Int(t * 2)]
            let env = exp(-3 * (t * 2 - floor(t * 2)))
            var v = 0.0
            for (j, midi) in c.enumerated() {
                let f = 440 * pow(2, (midi - 69) / 12)
                for h in 1...4 { v += (j == 3 ? 0.3 : 0.15) * env * sin(2 * .pi * f * Double(h) * t) / Double(h) }
            }
            let beat = t * 4 - floor(t * 4)
            if beat < 0.05 { v += 0.4 * (next() * 2 - 1) * (1 - beat / 0.05) }
            y[i] = Float(0.5 * v)
        }
        return y
    }

    /// The windows of three synthetic songs: `count × 187 × 96`.
    static func patches() throws -> (values: [Float], count: Int) {
        let front = MusicnnFrontEnd()
        let p = try Patches.musicnn()
        var v: [Float] = [], n = 0
        for seed in 1...3 as ClosedRange<UInt64> {
            let lm = front.logMel(samples: song(seed: seed))
            let e = p.extract(lm, bands: MusicnnInput.melBands)
            v += e.values; n += e.count
        }
        return (v, n)
    }

    func drift(_ name: String, _ precision: InferencePrecision) throws -> (maxAbs: Float, top5Changes: Int, windows: Int) {
        guard case .musicnn(let m) = try LoadedModels.model(name) else { throw XCTSkip("\(name) is not musicnn") }
        let e = m.withPrecision(precision)
        guard e.model.precision == precision else { throw XCTSkip(e.notice ?? "no \(precision)") }
        let (x, n) = try Self.patches()
        let ref = m.predict(patches: x, count: n).taggram
        let got = e.model.predict(patches: x, count: n).taggram
        XCTAssertEqual(got.shape, ref.shape)
        XCTAssertTrue(got.values.allSatisfy(\.isFinite))
        let tags = ref.shape[1]
        var worst: Float = 0, changes = 0
        for w in 0..<n {
            let a = Array(ref.values[(w * tags)..<((w + 1) * tags)]), b = Array(got.values[(w * tags)..<((w + 1) * tags)])
            for j in 0..<tags { worst = max(worst, abs(a[j] - b[j])) }
            let top = { (v: [Float]) in Set(v.indices.sorted { v[$0] > v[$1] }.prefix(5)) }
            if top(a) != top(b) { changes += 1 }
        }
        return (worst, changes, n)
    }

    func testBF16TaggramDriftIsWithinTheGoal() throws {
        for name in ["MSD_musicnn", "MTT_musicnn"] {
            let d = try drift(name, .bf16)
            XCTAssertLessThanOrEqual(d.maxAbs, 0.01, "\(name) bf16: \(d)")
        }
    }

    /// int8 as `--precision int8` runs it (``MusicnnModel/Int8Scope/timbral``). Every layer in int8
    /// (``MusicnnModel/Int8Scope/allLayers``) does not reach the goal (0.036–0.060 on musicnn's example MP3s; see
    /// ``MusicnnModel/Int8Scope``), which is why it is not the default.
    func testInt8TaggramDriftIsWithinTheGoal() throws {
        for name in ["MSD_musicnn", "MTT_musicnn"] {
            let d = try drift(name, .int8)
            XCTAssertLessThanOrEqual(d.maxAbs, 0.02, "\(name) int8: \(d)")
        }
    }

    /// ``MusicnnModel/Int8Scope/timbral``: the timbral branches are int8 convolutions of the asymmetrically quantised
    /// input (bit-equal to running those branches alone in int8 with that quantisation); the temporal branches, the
    /// mid end and the dense layers are bit-equal to the bf16 model's (fp32 on a CPU without bf16).
    func testInt8TimbralRunsTheRestInBF16() throws {
        guard case .musicnn(let m) = try LoadedModels.model("MSD_musicnn") else { throw XCTSkip("MSD_musicnn is not musicnn") }
        guard InferencePrecision.int8.effectiveHere.precision == .int8 else { throw XCTSkip("no int8 on this CPU") }
        let later = InferencePrecision.bf16.effectiveHere.precision
        let timbral = m.forcingPrecision(.int8)
        XCTAssertEqual(timbral.int8Scope, .timbral, "the default scope")
        var all = timbral
        all.int8Scope = .allLayers
        XCTAssertEqual(all.laterLayersPrecision, .int8)
        XCTAssertEqual(timbral.laterLayersPrecision, later)
        XCTAssertEqual(m.laterLayersPrecision, .fp32)
        XCTAssertEqual(timbral.branches.map { timbral.precision(of: $0) }, [.int8, .int8, later, later, later])
        XCTAssertEqual(all.branches.map { all.precision(of: $0) }, [.int8, .int8, .int8, .int8, .int8])
        let q = timbral.frontEndInt8
        XCTAssertNotEqual(q.zeroPoint, 0)
        XCTAssertEqual(all.frontEndInt8.zeroPoint, 0)
        XCTAssertEqual(all.frontEndInt8.scale, m.int8Calibration.frontend)
        let reference = m.forcingPrecision(later)
        let (x, _) = try Self.patches()
        let frames = 187, n = 2
        let xn = m.normalizedInput(Array(x.prefix(n * frames * MusicnnInput.melBands)), count: n, frames: frames)
        let outs = timbral.branchOutputs(xn), refOuts = reference.branchOutputs(xn), allOuts = all.branchOutputs(xn)
        for (i, b) in timbral.branches.enumerated() where b.timePad > 0 {
            let alone = b.forward(xn, precision: .int8, activationScale: q.scale, activationZeroPoint: q.zeroPoint)
            XCTAssertTrue(outs[i].values == alone.values, "\(b.name) is not its int8 convolution")
            XCTAssertFalse(outs[i].values == refOuts[i].values, "\(b.name) should not be the \(later) one")
            XCTAssertFalse(outs[i].values == allOuts[i].values, "\(b.name) should quantise its input otherwise than allLayers")
        }
        for (i, b) in timbral.branches.enumerated() where b.timePad == 0 {
            XCTAssertTrue(outs[i].values == refOuts[i].values, "\(b.name) is not the \(later) model's")
        }
        let (full, active) = timbral.frontend(xn)
        let midInput = m.mid1.inputChannels == m.frontendChannels ? full : active
        let (c1, c2, c3) = timbral.midend(active: midInput)
        let (r1, r2, r3) = reference.midend(active: midInput)
        XCTAssertTrue(c1.values == r1.values && c2.values == r2.values && c3.values == r3.values, "mid end is not the \(later) model's")
        let (a1, _, _) = all.midend(active: midInput)
        XCTAssertFalse(a1.values == c1.values, "the all-layers int8 mid end should differ from \(later)")
        let concatenated = Tensor.concatenate([full, c1, c2, c3], alongAxis: 2)
        let b = timbral.backend(concatenated), rb = reference.backend(concatenated)
        XCTAssertTrue(b.3.values == rb.3.values && b.2.values == rb.2.values, "dense layers are not the \(later) model's")
        XCTAssertEqual(m.calibrated(patches: Array(x.prefix(n * frames * MusicnnInput.melBands)), count: n).int8Scope, .allLayers,
                       "a calibration is the later layers', so a calibrated model runs them in int8")
    }

    /// The default int8 front-end scale covers the whole normalised input range (no clipping): `127·s_a ≥ |x|`.
    func testDefaultFrontEndScaleCoversTheBoundedInput() throws {
        guard case .musicnn(let m) = try LoadedModels.model("MSD_musicnn") else { return }
        let row = [0, ModelArchitecture.inputMaximum, 1e6, -5] + [Float](repeating: 1, count: MusicnnInput.melBands - 4)
        let xn = m.normalizedInput(row, count: 1, frames: 1)
        for v in xn.values { XCTAssertLessThanOrEqual(abs(v), 127 * m.int8Calibration.frontend * (1 + 0x1p-20)) }
        XCTAssertFalse(m.int8Calibration.isStatic)
        // The asymmetric quantisation (Int8Scope.timbral) covers the same range without clipping: codes within
        // [−128, 127] for the extremes, 0 exactly at the zero point.
        let q = m.frontEndInt8
        for v in xn.values {
            let code = (v / q.scale).rounded() + Float(q.zeroPoint)
            XCTAssertTrue(code >= -128 && code <= 127, "\(v) → code \(code)")
        }
        let (x, n) = try Self.patches()
        let c = m.calibrated(patches: x, count: n).int8Calibration
        XCTAssertTrue(c.isStatic)
        XCTAssertEqual(c.frontend, m.int8Calibration.frontend)
    }
}
