import Foundation
import GenreKitDSP
import XCTest

final class RealFFTTests: XCTestCase {
    func testMatchesDirectDFT() {
        for n in [4, 8, 64, 512] {
            var state: UInt32 = 7
            let x = (0..<n).map { _ -> Double in state = 1664525 &* state &+ 1013904223; return Double(state >> 8) / 0x1p24 - 0.5 }
            var re = [Double](repeating: 0, count: n / 2 + 1), im = re, work = [Double](repeating: 0, count: n)
            RealFFT(count: n).forward(x, re: &re, im: &im, work: &work)
            for k in 0...(n / 2) {
                var sr = 0.0, si = 0.0
                for j in 0..<n { let a = -2 * Double.pi * Double(k * j) / Double(n); sr += x[j] * cos(a); si += x[j] * sin(a) }
                XCTAssertEqual(re[k], sr, accuracy: 1e-12 * Double(n))
                XCTAssertEqual(im[k], si, accuracy: 1e-12 * Double(n))
            }
        }
    }

    func testHannIsPeriodic() {
        let w = Window.hann(8)
        XCTAssertEqual(w[0], 0, accuracy: 1e-15)
        XCTAssertEqual(w[4], 1, accuracy: 1e-15)
        XCTAssertEqual(w[2], 0.5, accuracy: 1e-15)
    }
}
