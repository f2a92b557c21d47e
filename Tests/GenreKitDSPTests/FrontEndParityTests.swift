import Foundation
import GenreKitCore
import GenreKitDSP
import XCTest

/// Parity of the front end with librosa 0.11 on signals synthesised by ``TestSignals`` (the same formulas as
/// `reference/signals.py`); expected values from `reference/make_frontend_fixtures.py`.
final class FrontEndParityTests: XCTestCase {
    static let fixtures = Bundle.module.resourcePath! + "/Fixtures/"
    static let names = ["sine440", "chord", "chirp", "noise", "silence", "clipped", "quiet", "loud"]

    struct SignalFacts: Decodable { let length: Int; let first8: [Double]; let sum: Double; let frames: Int; let max_melpower: Double }
    struct Facts: Decodable { let signals: [String: SignalFacts] }

    func load(_ name: String) throws -> NPYArray { try NPYArray(contentsOf: Self.fixtures + name) }

    func testSynthesisedSignalsMatchReference() throws {
        let facts = try JSONDecoder().decode(Facts.self, from: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "signals.json")))
        for name in Self.names {
            let x = TestSignals.make(name), f = try XCTUnwrap(facts.signals[name])
            XCTAssertEqual(x.count, f.length, name)
            for i in 0..<8 { XCTAssertEqual(Double(x[i]), f.first8[i], accuracy: 1e-12, name) }
            XCTAssertEqual(x.reduce(0.0) { $0 + Double($1) }, f.sum, accuracy: 1e-9, name)
        }
    }

    func testMelFilterbankIsBitExact() throws {
        let ref = try load("melbasis.npy")
        let fb = MelFilterbank(sampleRate: 16000, nFFT: 512, melCount: 96)
        XCTAssertEqual(ref.shape, [96, 257])
        XCTAssertEqual(fb.weights, ref.values)
    }

    func testMelPowerLogMelAndMFCC() throws {
        let mel = MelSpectrogram.musicnn
        let mfcc = MFCC(mel: mel, coefficientCount: 20)
        for name in Self.names {
            let x = TestSignals.make(name)
            let refPower = try load("\(name).melpower.npy"), refLog = try load("\(name).logmel.npy"), refMFCC = try load("\(name).mfcc.npy")
            let power = mel.power(x)
            XCTAssertEqual(power.count, refPower.values.count, "\(name): frames × 96")
            // Mel power: error relative to the frame's maximum.
            var worstRel: Float = 0
            for t in 0..<refPower.shape[0] {
                let row = t * 96
                let peak = max((0..<96).map { refPower.values[row + $0] }.max()!, Float.leastNormalMagnitude)
                for m in 0..<96 { worstRel = max(worstRel, abs(power[row + m] - refPower.values[row + m]) / peak) }
            }
            XCTAssertLessThanOrEqual(worstRel, 1e-5, "\(name): mel power")
            var logMel = power
            MusicnnCompression.apply(inPlace: &logMel)
            let logDiff = maxAbsDiff(logMel, refLog.values)
            assertLogMelWithinOneHalfStep(logMel, power: power, refLog: refLog.values, refPower: refPower.values, name)
            let c = mfcc.coefficients(melPower: power)
            XCTAssertEqual(refMFCC.shape, [refPower.shape[0], 20])
            let mfccDiff = maxAbsDiff(c, refMFCC.values)
            XCTAssertLessThanOrEqual(mfccDiff, 1e-3, "\(name): MFCC")
            print("parity \(name): mel power max rel err \(worstRel), log-mel max abs \(logDiff), MFCC max abs \(mfccDiff)")
        }
    }

    /// Log-mel against the reference, with the bound float32 arithmetic gives. Mel power differs from the reference
    /// in the last bits (summation order of the filterbank GEMM depends on the BLAS kernel), and the compression
    /// rounds power to float16 first, so a value next to a float16 rounding boundary may round to the neighbouring
    /// half. Where both round to the same half, the log-mel must agree as the compression of the reference's own
    /// power does (`testCompressionOfReferencePower`, 1e-6). Where they do not, the halves must be adjacent and the
    /// log-mel differs by one half step: `log10(10000·(h + ulp) + 1) − log10(10000·h + 1) ≤ log10(1 + ulp/h)
    /// ≤ log10(1 + 2⁻¹⁰) ≈ 4.24e-4` (a normal half's ulp is at most 2⁻¹⁰·h; below the normal range
    /// `10000·ulp/ln 10 = 10000·2⁻²⁴/ln 10 ≈ 2.6e-4`), plus the same 1e-6.
    func assertLogMelWithinOneHalfStep(_ logMel: [Float], power: [Float], refLog: [Float], refPower: [Float], _ name: String,
                                       file: StaticString = #filePath, line: UInt = #line) {
        let sameHalf: Float = 1e-6
        let oneStep = Float(log10(1 + pow(2.0, -10.0))) + sameHalf
        var flips = 0, worstSame: Float = 0, worstFlip: Float = 0
        for i in logMel.indices {
            let a = Half.fromFloat(power[i]), b = Half.fromFloat(refPower[i])
            let d = abs(logMel[i] - refLog[i])
            if a == b {
                worstSame = max(worstSame, d)
            } else {
                flips += 1
                worstFlip = max(worstFlip, d)
                XCTAssertEqual(abs(Int(a) - Int(b)), 1, "\(name): value \(i) rounds to non-adjacent halves", file: file, line: line)
            }
        }
        XCTAssertLessThanOrEqual(worstSame, sameHalf, "\(name): log-mel where the float16 roundings agree", file: file, line: line)
        XCTAssertLessThanOrEqual(worstFlip, oneStep, "\(name): log-mel where power crosses a float16 boundary", file: file, line: line)
        print("parity \(name): \(flips) of \(logMel.count) log-mel values one float16 step from the reference")
    }

    /// The KissFFT single-precision path is close but not reference-exact; it must still be within the mel tolerance.
    func testSinglePrecisionSTFTWithinTolerance() throws {
        let single = MelSpectrogram(sampleRate: 16000, nFFT: 512, hopLength: 256, melCount: 96, precision: .single)
        let x = TestSignals.make("chord")
        let ref = try load("chord.melpower.npy").values
        let p = single.power(x)
        let peak = ref.max()!
        XCTAssertLessThanOrEqual(maxAbsDiff(p, ref) / peak, 1e-5)
    }

    /// Compression of the reference's own mel power must give the reference log-mel (isolates the float16 step).
    func testCompressionOfReferencePower() throws {
        for name in Self.names {
            var p = try load("\(name).melpower.npy").values
            MusicnnCompression.apply(inPlace: &p)
            XCTAssertLessThanOrEqual(maxAbsDiff(p, try load("\(name).logmel.npy").values), 1e-6, name)
        }
    }

    /// Frame count of librosa's centered STFT: 1 + ⌊n / hop⌋.
    func testFrameCount() {
        XCTAssertEqual(STFT().frameCount(sampleCount: 4000), 16)
        XCTAssertEqual(MelSpectrogram.musicnn.power([Float](repeating: 0, count: 0)).count, 96)   // one frame of padding
    }

    /// Blocks processed in parallel give the same values as one block of the whole signal.
    func testBlockingDoesNotChangeValues() {
        var x: [Float] = []
        for _ in 0..<20 { x += TestSignals.make("noise") + TestSignals.make("chirp") + TestSignals.make("chord") }
        var blocked = MelSpectrogram.musicnn
        blocked.blockFrames = 128
        var whole = MelSpectrogram.musicnn
        whole.blockFrames = 1 << 20
        let a = blocked.power(x), b = whole.power(x)
        XCTAssertEqual(a.count, b.count)
        XCTAssertEqual(zip(a, b).filter { $0 != $1 }.count, 0, "values that differ between blocked and whole computation")
        // A prefix of the signal (a shorter file, other block boundaries and another last block) gives the same
        // values on every frame its end padding does not reach: t·hop + n_fft/2 ≤ length.
        let stft = whole.stft
        let prefixLength = 700 * stft.hopLength + 77
        let p = blocked.power(Array(x[..<prefixLength]))
        let untouched = (prefixLength - stft.nFFT / 2) / stft.hopLength + 1
        XCTAssertEqual(zip(p[..<(untouched * 96)], b[..<(untouched * 96)]).filter { $0 != $1 }.count, 0,
                       "values that differ between a prefix and the whole signal")
    }
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "sizes differ: \(a.count) vs \(b.count)")
    var m: Float = 0
    for i in a.indices { m = max(m, abs(a[i] - b[i])) }
    return m
}
