import XCTest
import GenreKitCore
@testable import GenreKitNN

final class LowPrecisionTests: XCTestCase {
    /// The vectorisable int8 quantiser equals the plain formula `clamp(round(x · s⁻¹), ±127)`, round half away from
    /// zero, on ties, both signs, values past the range, zeros and a length that is not a multiple of the SIMD width.
    func testToInt8EqualsThePlainFormula() {
        var g = SeededGenerator(seed: 7)
        var x: [Float] = [0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 126.5, -126.5, 127.49, -127.6, 1e9, -1e9, .leastNonzeroMagnitude]
        for k in -130...130 { x.append(Float(k) + 0.5); x.append(Float(k) - 0.4999) }
        for _ in 0..<1001 { x.append(Float.random(in: -300...300, using: &g)) }
        for inverseScale: Float in [1, 0.37, 3.1] {
            var q = [Int8](repeating: 99, count: x.count)
            x.withUnsafeBufferPointer { src in
                q.withUnsafeMutableBufferPointer { LowPrecision.toInt8(src.baseAddress!, $0.baseAddress!, count: x.count, inverseScale: inverseScale) }
            }
            for (i, v) in x.enumerated() {
                let expected = Int8(Swift.min(Swift.max((v * inverseScale).rounded(.toNearestOrAwayFromZero), -127), 127))
                XCTAssertEqual(q[i], expected, "x = \(v), 1/s = \(inverseScale)")
            }
        }
    }

    /// The asymmetric quantiser: `clamp(round(x · s⁻¹) + z, −128, 127)`, round half away from zero; 0 is exactly `z`.
    func testAsymmetricToInt8EqualsThePlainFormula() {
        var g = SeededGenerator(seed: 8)
        var x: [Float] = [0, -0.0, 0.5, -0.5, 1.5, -1.5, 126.5, -127.5, -128.5, 1e9, -1e9, .leastNonzeroMagnitude]
        for k in -260...260 { x.append(Float(k) + 0.5); x.append(Float(k) - 0.4999) }
        for _ in 0..<1001 { x.append(Float.random(in: -300...300, using: &g)) }
        for (inverseScale, z): (Float, Int8) in [(1, 0), (0.37, -47), (3.1, 90), (1, -128), (1, 127)] {
            var q = [Int8](repeating: 99, count: x.count)
            x.withUnsafeBufferPointer { src in
                q.withUnsafeMutableBufferPointer {
                    LowPrecision.toInt8(src.baseAddress!, $0.baseAddress!, count: x.count, inverseScale: inverseScale, zeroPoint: z)
                }
            }
            for (i, v) in x.enumerated() {
                let expected = Int8(Swift.min(Swift.max((v * inverseScale).rounded(.toNearestOrAwayFromZero) + Float(z), -128), 127))
                XCTAssertEqual(q[i], expected, "x = \(v), 1/s = \(inverseScale), z = \(z)")
            }
            XCTAssertEqual(q[0], z)
        }
    }

    func testToInt8MapsNaNToZero() {
        let x: [Float] = [.nan, 3]
        var q = [Int8](repeating: 99, count: 2)
        x.withUnsafeBufferPointer { src in q.withUnsafeMutableBufferPointer { LowPrecision.toInt8(src.baseAddress!, $0.baseAddress!, count: 2, inverseScale: 1) } }
        XCTAssertEqual(q, [0, 3])
    }

    func testMaxAbsEqualsAReduction() {
        var g = SeededGenerator(seed: 7)
        for n in [0, 1, 7, 8, 9, 64, 1003] {
            let x = (0..<n).map { _ in Float.random(in: -5...5, using: &g) }
            let got = x.withUnsafeBufferPointer { LowPrecision.maxAbs($0.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: n) }
            XCTAssertEqual(got, x.map(\.magnitude).max() ?? 0, "n = \(n)")
        }
    }
}
