import Foundation
import GenreKitDSP
import XCTest

/// Handcrafted features against librosa 0.11 (`reference/make_handcrafted_fixtures.py`): per-frame values on
/// five test signals, and the time summaries.
///
/// Tolerances are relative to the feature's scale on that signal (the largest |reference value| of the feature
/// group, e.g. all 20 MFCCs together): 1e-4 for values computed through float32 intermediates (a few float32
/// roundings of the scale; MFCC and its deltas inherit the dB mel's float32 rounding, 1e-4 of ~100-1000), and
/// exactness for the discrete features (roll-off picks a bin, ZCR counts sign changes).
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
        XCTAssertEqual(HandcraftedFeatures.columnNames.count, m.columns.count * m.stats.count)
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
                let tol = g.relative * scale
                XCTAssertLessThanOrEqual(worst, tol, "\(sig) \(g.name): max |Δ| \(worst), scale \(scale)")
                report.append("\(sig) \(g.name): max|Δ| \(worst) scale \(scale) rel \(scale > 0 ? worst / scale : 0)")
            }
        }
        print(report.joined(separator: "\n"))
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
        XCTAssertEqual(v, HandcraftedFeatures.summarize(f.frames(x)))
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
