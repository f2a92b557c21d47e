@testable import GenreKitDSP
import XCTest

final class ComplexMagnitudeTests: XCTestCase {
    /// `numpyComplexPower` (the vectorised C kernel) gives, bit for bit, `numpyComplexMagnitude` of the float32-rounded
    /// parts squared in float32: on 20,000 values spread over 80 binades (LCG, both signs, parts of very different
    /// sizes), and on zeros, signed zeros, subnormals, the largest floats (whose square overflows), doubles beyond
    /// float32's range (rounding to infinity), infinities and NaN; counts that are not multiples of 16 included.
    func testPowerIsTheMagnitudeSquaredBitForBit() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let mantissa = Double(state >> 11) * 0x1p-53
            let exponent = Int((state >> 3) % 80) - 40
            return (state & 1 == 0 ? 1 : -1) * mantissa * Double(sign: .plus, exponent: exponent, significand: 1)
        }
        var re = (0..<20_000).map { _ in next() }, im = (0..<20_000).map { _ in next() }
        let special: [Double] = [0, -0.0, 1e-45, -1.4e-45, 1e-40, Double(Float.leastNormalMagnitude), Double(Float.greatestFiniteMagnitude),
                                 -3e38, 1e39, -1e300, .infinity, -.infinity, .nan, 1, -1, 0.5]
        for a in special { for b in special { re.append(a); im.append(b) } }
        for count in [re.count, 17, 1] {
            var out = [Float](repeating: 42, count: count)
            numpyComplexPower(re: re, im: im, count: count, into: &out)
            for k in 0..<count {
                let m = numpyComplexMagnitude(Float(re[k]), Float(im[k]))
                let expected = m * m
                if expected.isNaN {
                    XCTAssertTrue(out[k].isNaN, "k \(k): \(re[k]), \(im[k]) gave \(out[k]), expected NaN")
                } else {
                    XCTAssertEqual(out[k].bitPattern, expected.bitPattern, "k \(k): \(re[k]), \(im[k]) gave \(out[k]), expected \(expected)")
                }
            }
        }
    }
}
