import Foundation
import GenreKitDSP
import XCTest

/// ``RealFFT/forward(lanes:re:im:work:)`` (eight transforms at once) equals ``RealFFT/forward(_:re:im:work:)`` on
/// each lane bit for bit, and so does the STFT built on it, for any frame count (the rest goes one by one).
final class RealFFTLanesTests: XCTestCase {
    func testEachLaneEqualsTheOneByOneTransformBitForBit() {
        let lanes = RealFFT.laneCount
        for n in [4, 8, 64, 512] {
            var state: UInt32 = 11
            // Eight different inputs, with a wide range of magnitudes so that rounding is exercised.
            let xs = (0..<lanes).map { l in (0..<n).map { _ -> Double in
                state = 1664525 &* state &+ 1013904223
                return (Double(state >> 8) / 0x1p24 - 0.5) * pow(10, Double(l - 3))
            } }
            let fft = RealFFT(count: n), bins = n / 2 + 1
            var x8 = (0..<n).map { i in FFTLanes((0..<lanes).map { xs[$0][i] }) }
            var re8 = [FFTLanes](repeating: .zero, count: bins), im8 = re8, work8 = [FFTLanes](repeating: .zero, count: n)
            x8.withUnsafeMutableBufferPointer { x in
                fft.forward(lanes: x.baseAddress!, re: &re8, im: &im8, work: &work8)
            }
            for l in 0..<lanes {
                var re = [Double](repeating: 0, count: bins), im = re, work = [Double](repeating: 0, count: n)
                fft.forward(xs[l], re: &re, im: &im, work: &work)
                XCTAssertEqual(re8.map { $0[l] }.map(\.bitPattern), re.map(\.bitPattern), "n \(n), lane \(l): real parts")
                XCTAssertEqual(im8.map { $0[l] }.map(\.bitPattern), im.map(\.bitPattern), "n \(n), lane \(l): imaginary parts")
            }
        }
    }

    func testSTFTPowerIsTheSameForEveryFrameRange() {
        // 1 s of a chirp plus seeded noise at 16 kHz: 63 frames. Ranges of 1, 7, 8, 9 and all frames, at odd starts,
        // against the frames computed one range of one frame at a time (which never takes the eight-lane path).
        var state: UInt32 = 5
        let signal = (0..<16000).map { i -> Float in
            state = 1664525 &* state &+ 1013904223
            let t = Double(i) / 16000
            return Float(0.4 * sin(2 * .pi * (200 + 1500 * t) * t)) + (Float(state >> 8) / 0x1p24 - 0.5) * 0.01
        }
        let stft = STFT(nFFT: 512, hopLength: 256)
        let frames = stft.frameCount(sampleCount: signal.count), bins = stft.binCount
        var single = [Float](repeating: 0, count: frames * bins)
        signal.withUnsafeBufferPointer { s in
            for t in 0..<frames { stft.power(s, frames: t..<(t + 1), into: &single[t * bins]) }
        }
        for range in [0..<frames, 3..<10, 5..<13, 17..<26, 62..<63, 0..<8] {
            var out = [Float](repeating: 0, count: range.count * bins)
            signal.withUnsafeBufferPointer { s in stft.power(s, frames: range, into: &out) }
            XCTAssertEqual(out.map(\.bitPattern), Array(single[(range.lowerBound * bins)..<(range.upperBound * bins)]).map(\.bitPattern),
                           "frames \(range)")
        }
    }
}
