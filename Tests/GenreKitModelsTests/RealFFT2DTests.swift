import Foundation
import GenreKitNN
import XCTest
@testable import GenreKitModels

/// TensorFlow Lite's RFFT2D (in the models module beside the plan that runs it: it needs DSP's FFT and NN's tensor).
final class RealFFT2DTests: XCTestCase {
    func testRealFFT2DAgainstTheDFT() {
        let n = 16
        let x = Tensor(shape: [2, 1, 12], values: (0..<24).map { Float(sin(Double($0) * 0.7)) })   // zero-padded to 16
        let y = RealFFT2D(length: n)(x)
        XCTAssertEqual(y.shape, [2, 1, 9, 2])
        for r in 0..<2 {
            for k in 0...(n / 2) {
                var re = 0.0, im = 0.0
                for t in 0..<12 {
                    let v = Double(x.values[r * 12 + t])
                    re += v * cos(-2 * Double.pi * Double(k * t) / Double(n))
                    im += v * sin(-2 * Double.pi * Double(k * t) / Double(n))
                }
                XCTAssertEqual(y.values[(r * 9 + k) * 2], Float(re), accuracy: 1e-6)
                XCTAssertEqual(y.values[(r * 9 + k) * 2 + 1], Float(im), accuracy: 1e-6)
            }
        }
    }

    func testComplexMagnitude() {
        XCTAssertEqual(Tensor(shape: [2, 2], values: [3, 4, -5, 12]).complexMagnitude().values, [5, 13])
    }
}
