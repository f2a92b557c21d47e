import Foundation
import GenreKitCore
import GenreKitDSP
import XCTest

/// Handcrafted features against librosa 0.11 (`reference/make_handcrafted_fixtures.py`): per-frame values on
/// five test signals, the time summaries, Savitzky-Golay deltas, HPSS and tempo.
///
/// Tolerances are relative to the feature's scale on that signal (the largest |reference value| of the feature
/// group, e.g. all 20 MFCCs together): 1e-4 for values computed through float32 intermediates (a few float32
/// roundings of the scale; MFCC and its deltas inherit the dB mel's float32 rounding, 1e-4 of ~100-1000), and
/// exactness for the discrete features (roll-off picks a bin, ZCR counts sign changes).
/// MFCC deltas get, on top, 1e-6 of the MFCCs' scale: scipy's `savgol_filter` fits the 4 edge frames at each end
/// with a least-squares polynomial computed in float32 on float32 input, so librosa's own deltas there are off by
/// up to ~4e-8·|MFCC| from the exact fit (measured; on silence they are 1.7e-5 where the exact delta is 0).
/// ``testDeltaMatchesFloat64SavitzkyGolay`` checks the definition itself against float64 deltas at 1e-4.
final class HandcraftedTests: XCTestCase {
    static let fixtures = Bundle.module.resourcePath! + "/Fixtures/"

    struct Meta: Decodable { let columns: [String]; let stats: [String]; let signals: [String] }
    static func meta() throws -> Meta {
        try JSONDecoder().decode(Meta.self, from: Data(contentsOf: URL(fileURLWithPath: fixtures + "handcrafted.json")))
    }

    /// Column groups and their tolerance relative to the group's scale (0: must match exactly).
    static let groups: [(name: String, columns: Range<Int>, relative: Float)] = [
        ("mfcc", 0..<20, 1e-4), ("mfcc_d1", 20..<40, 1e-4), ("mfcc_d2", 40..<60, 1e-4),
        ("centroid", 60..<61, 1e-4), ("bandwidth", 61..<62, 1e-4), ("rolloff", 62..<63, 0),
        ("flux", 63..<64, 1e-4), ("flatness", 64..<65, 1e-4), ("zcr", 65..<66, 0), ("rms", 66..<67, 1e-4),
        ("contrast", 67..<74, 1e-4), ("chroma", 74..<86, 1e-4), ("tonnetz", 86..<92, 1e-4),
    ]

    func testColumnNamesMatchReference() throws {
        let m = try Self.meta()
        XCTAssertEqual(HandcraftedFeatures.frameColumnNames, m.columns)
        XCTAssertEqual(FrameSummary.statisticNames, m.stats)
        XCTAssertEqual(HandcraftedFeatures.columnNames.count, m.columns.count * m.stats.count + 1)
        XCTAssertEqual(HandcraftedFeatures.columnNames.last, "tempo")
        XCTAssertEqual(HandcraftedFeatures.frameColumnNames[HandcraftedFeatures.fluxColumn], "flux")
        XCTAssertEqual(Set(HandcraftedFeatures.columnNames).count, HandcraftedFeatures.columnNames.count)
        XCTAssertEqual(HandcraftedFeatures.columnNames[0], "mfcc_0.mean")
        XCTAssertEqual(Self.groups.last!.columns.upperBound, m.columns.count)
    }

    func testPerFrameFeaturesMatchLibrosa() throws {
        let features = HandcraftedFeatures()
        let cols = HandcraftedFeatures.Frames.columnCount
        var report: [String] = []
        for sig in try Self.meta().signals {
            let ref = try NPYArray(contentsOf: Self.fixtures + "handcrafted.\(sig).frames.npy")
            let got = features.frames(TestSignals.make(sig))
            XCTAssertEqual(ref.shape, [got.count, cols], sig)
            guard ref.shape == [got.count, cols] else { continue }
            for g in Self.groups {
                var scale: Float = 0, worst: Float = 0
                for t in 0..<got.count {
                    for j in g.columns {
                        let r = ref.values[t * cols + j], v = got.values[t * cols + j]
                        scale = max(scale, abs(r)); worst = max(worst, abs(v - r))
                    }
                }
                var tol = g.relative * scale
                if g.name.hasPrefix("mfcc_d") {
                    let mfccScale = (0..<(got.count * 20)).map { abs(ref.values[($0 / 20) * cols + $0 % 20]) }.max()!
                    tol += 1e-6 * mfccScale
                }
                XCTAssertLessThanOrEqual(worst, tol, "\(sig) \(g.name): max |Δ| \(worst), scale \(scale)")
                report.append("\(sig) \(g.name): max|Δ| \(worst) scale \(scale) rel \(scale > 0 ? worst / scale : 0)")
            }
        }
        print(report.joined(separator: "\n"))
    }

    /// `Delta` on librosa's MFCC frames against scipy's Savitzky-Golay deltas of the same values in float64
/// (1e-4 of the deltas' scale).
    func testDeltaMatchesFloat64SavitzkyGolay() throws {
        let cols = HandcraftedFeatures.Frames.columnCount
        for sig in try Self.meta().signals {
            let ref = try NPYArray(contentsOf: Self.fixtures + "handcrafted.\(sig).frames.npy")
            let want = try NPYArray(contentsOf: Self.fixtures + "handcrafted.\(sig).delta64.npy")
            let n = ref.shape[0]
            XCTAssertEqual(want.shape, [n, 40])
            let mfcc = (0..<(n * 20)).map { ref.values[($0 / 20) * cols + $0 % 20] }
            for order in 1...2 {
                let d = Delta.compute(mfcc, columns: 20, width: 9, order: order)
                let w = (0..<(n * 20)).map { want.values[($0 / 20) * 40 + (order - 1) * 20 + $0 % 20] }
                let scale = w.map { abs($0) }.max()!
                let worst = maxAbsDiff(d, w)
                // Plus float64 rounding of the fit, relative to the values being fitted (1131 on silence, whose
                // exact delta is 0 and scipy's float64 one 4e-14).
                let mfccScale = mfcc.map { abs($0) }.max()!
                XCTAssertLessThanOrEqual(worst, 1e-4 * scale + 1e-12 * mfccScale, "\(sig) order \(order)")
                print("\(sig) delta order \(order) vs float64 savgol: max|Δ| \(worst) scale \(scale)")
            }
        }
    }

    /// Harmonic/percussive separation of the noise magnitude spectrogram against `librosa.decompose.hpss`
    /// (medians are exact selections and the masks float32 as in librosa: 1e-5 of the spectrogram's maximum).
    func testHPSSMatchesLibrosa() throws {
        let ref = try NPYArray(contentsOf: Self.fixtures + "handcrafted.noise.hpss.npy")
        let spec = LinearSpectrogram(TestSignals.make("noise"))
        XCTAssertEqual(ref.shape, [2, spec.frameCount, spec.binCount])
        let (h, p) = HarmonicPercussive.separate(spec.magnitude, frames: spec.frameCount, bins: spec.binCount)
        let n = spec.frameCount * spec.binCount
        let scale = spec.magnitude.max()!
        let dh = maxAbsDiff(h, Array(ref.values[0..<n])), dp = maxAbsDiff(p, Array(ref.values[n..<(2 * n)]))
        print("hpss noise: max|Δ| harmonic \(dh) percussive \(dp) scale \(scale)")
        XCTAssertLessThanOrEqual(dh, 1e-5 * scale)
        XCTAssertLessThanOrEqual(dp, 1e-5 * scale)
        // Fewer frames than the kernel (several reflections) and silence: finite, and H + P = S where S > 0.
        let short = LinearSpectrogram(Array(TestSignals.make("chord").prefix(700)))
        let (hs, ps) = HarmonicPercussive.separate(short.magnitude, frames: short.frameCount, bins: short.binCount)
        for i in hs.indices {
            XCTAssertEqual(hs[i] + ps[i], short.magnitude[i], accuracy: 1e-6 * max(short.magnitude[i], 1e-30))
        }
    }

    static func clicks() -> [Float] {
        var y = [Float](repeating: 0, count: 128000)
        for i in stride(from: 0, to: y.count, by: 6400) { y[i] = 0.5 }
        return y
    }

    /// Tempo on a 150 BPM click train and two short signals. The mean tempogram (values in [−1, 1]) to 1e-5
    /// (float32 flux, float64 autocorrelation); the tempo (an argmax) exactly.
    func testTempoMatchesLibrosa() throws {
        struct TempoMeta: Decodable { let tempo: [String: Double] }
        let meta = try JSONDecoder().decode(TempoMeta.self, from: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "handcrafted.json")))
        let tg = try NPYArray(contentsOf: Self.fixtures + "handcrafted.tempo.npy")
        let features = HandcraftedFeatures()
        let w = Tempo.windowLength(sampleRate: 16000, hopLength: 256)
        XCTAssertEqual(w, 500)
        XCTAssertEqual(tg.shape, [3, w])
        // The click train's flux against librosa's onset strength.
        let refFlux = try NPYArray(contentsOf: Self.fixtures + "handcrafted.clicks.flux.npy").values
        let clickFlux = features.frames(Self.clicks()).column(HandcraftedFeatures.fluxColumn)
        XCTAssertEqual(clickFlux.count, refFlux.count)
        XCTAssertLessThanOrEqual(maxAbsDiff(clickFlux, refFlux), 1e-4 * refFlux.max()!)
        for (i, sig) in ["clicks", "chord", "noise"].enumerated() {
            let flux = sig == "clicks" ? clickFlux : features.frames(TestSignals.make(sig)).column(HandcraftedFeatures.fluxColumn)
            let mean = Tempo.meanTempogram(onsetEnvelope: flux, windowLength: w).map { Float($0) }
            let worst = maxAbsDiff(mean, Array(tg.values[(i * w)..<((i + 1) * w)]))
            print("tempo \(sig): mean tempogram max|Δ| \(worst)")
            XCTAssertLessThanOrEqual(worst, 1e-5, sig)
            XCTAssertEqual(Tempo.estimate(onsetEnvelope: flux), try XCTUnwrap(meta.tempo[sig]), sig)
        }
        // Same tempogram from librosa's own click flux.
        let fromRef = Tempo.meanTempogram(onsetEnvelope: refFlux, windowLength: w).map { Float($0) }
        XCTAssertLessThanOrEqual(maxAbsDiff(fromRef, Array(tg.values[0..<w])), 1e-6)
        XCTAssertEqual(Tempo.estimate(onsetEnvelope: refFlux), 150)
    }

    /// The summaries of the reference frames must equal NumPy/SciPy's summaries of the same frames.
    func testSummariesMatchNumPy() throws {
        let cols = HandcraftedFeatures.Frames.columnCount
        for sig in try Self.meta().signals {
            let ref = try NPYArray(contentsOf: Self.fixtures + "handcrafted.\(sig).frames.npy")
            let want = try NPYArray(contentsOf: Self.fixtures + "handcrafted.\(sig).summary.npy").values   // float64 → float32
            let frames = HandcraftedFeatures.Frames(count: ref.shape[0], values: ref.values)
            let got = HandcraftedFeatures.summarize(frames)
            XCTAssertEqual(got.count, cols * 6)
            for i in got.indices {
                // The reference is stored as float64 and read back as float32: compare at float32 resolution.
                let w = Double(want[i])
                XCTAssertEqual(got[i], w, accuracy: 2e-7 * max(abs(w), 1e-3), "\(sig) \(HandcraftedFeatures.columnNames[i])")
            }
        }
    }

    func testVectorIsSummaryOfFrames() {
        let f = HandcraftedFeatures()
        let x = TestSignals.make("chord")
        let v = f.vector(x)
        XCTAssertEqual(v.count, HandcraftedFeatures.columnNames.count)
        let frames = f.frames(x)
        XCTAssertEqual(Array(v.dropLast()), HandcraftedFeatures.summarize(frames))
        XCTAssertEqual(v.last, Tempo.estimate(onsetEnvelope: frames.column(HandcraftedFeatures.fluxColumn)))
        XCTAssertTrue(v.allSatisfy { $0.isFinite })
    }

    func testPercentileAndSkewDefinitions() {
        let s = [1.0, 2, 3, 4, 10].sorted()
        XCTAssertEqual(FrameSummary.percentile(sorted: s, 50), 3)
        XCTAssertEqual(FrameSummary.percentile(sorted: s, 10), 1.4, accuracy: 1e-12)
        XCTAssertEqual(FrameSummary.percentile(sorted: s, 90), 7.6, accuracy: 1e-12)
        XCTAssertEqual(FrameSummary.summarize([5, 5, 5])[2], 0)   // constant: scipy's NaN → 0
        XCTAssertEqual(FrameSummary.summarize([1, 2, 3])[2], 0, accuracy: 1e-15)
    }

    /// Short signals (fewer frames than the delta width) still give finite features.
    func testShortAndEmptySignals() {
        let f = HandcraftedFeatures()
        for n in [0, 1, 300, 1000] {
            let x = (0..<n).map { Float(sin(Double($0) * 0.1)) * 0.3 }
            let fr = f.frames(x)
            XCTAssertEqual(fr.count, 1 + n / 256)
            XCTAssertTrue(fr.values.allSatisfy { $0.isFinite }, "n = \(n)")
            XCTAssertTrue(f.vector(x).allSatisfy { $0.isFinite }, "n = \(n)")
        }
    }
}
