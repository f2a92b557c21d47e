import Foundation
@testable import GenreKitAudio
import XCTest

/// The per-sample loops every decoded block goes through: the mix to mono (numpy's `mean(axis=0)` in float32) and
/// the scan for NaN or infinite samples.
final class AudioDecoderKernelsTests: XCTestCase {
    func testFirstNonFiniteFindsTheFirstBadSampleAnywhere() {
        XCTAssertNil(AudioDecoder.firstNonFinite([], count: 0))
        for n in [1, 15, 16, 17, 31, 32, 33, 100] {
            let ok: [Float] = (0..<n).map { i in
                let big: Float = i % 5 == 0 ? .greatestFiniteMagnitude : 0
                return Float(i % 7) - 3 + big
            }
            XCTAssertNil(AudioDecoder.firstNonFinite(ok, count: n), "n \(n): all finite")
            for bad: Float in [.nan, .infinity, -.infinity] {
                for at in Set([0, n / 2, n - 1, max(0, n - 2)]) {
                    var x = ok
                    x[at] = bad
                    if at + 1 < n { x[n - 1] = Float.nan }      // a later bad sample does not hide the first
                    XCTAssertEqual(AudioDecoder.firstNonFinite(x, count: n), at, "n \(n), \(bad) at \(at)")
                    // Only the first `count` samples are looked at.
                    XCTAssertNil(AudioDecoder.firstNonFinite(x, count: at), "n \(n), \(bad) at \(at), count \(at)")
                }
            }
        }
    }

    func testStereoMixIsTheSumThenTheDivision() {
        var state: UInt32 = 3
        let n = 1001
        let src = (0..<(2 * n)).map { _ -> Float in state = 1664525 &* state &+ 1013904223; return Float(Int32(bitPattern: state)) * 0x1p-31 }
        var dst = [Float](repeating: 0, count: n)
        src.withUnsafeBufferPointer { s in dst.withUnsafeMutableBufferPointer { d in
            AudioDecoder.mixToMono(s.baseAddress!, channels: 2, frames: n, into: d.baseAddress!)
        } }
        for i in 0..<n {
            var acc = src[2 * i]
            acc += src[2 * i + 1]
            XCTAssertEqual(dst[i].bitPattern, (acc / 2).bitPattern, "frame \(i)")
        }
    }
}
