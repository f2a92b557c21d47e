import GenreKitCore
import GenreKitDSP
import XCTest

final class HalfTests: XCTestCase {
    func testRoundTripsEveryHalfValue() {
        for bits in UInt16(0)...UInt16.max {
            let f = Half.toFloat(bits)
            if f.isNaN { continue }
            XCTAssertEqual(Half.fromFloat(f), bits, "bits \(bits)")
        }
    }

    func testRoundsToNearestEvenAndOverflows() {
        XCTAssertEqual(Half.round(1 + 0x1p-11), 1)                 // tie → even (1.0)
        XCTAssertEqual(Half.round(1 + 3 * 0x1p-11), 1 + 0x1p-9)    // tie → even (upper)
        XCTAssertEqual(Half.round(65504), 65504)
        XCTAssertEqual(Half.round(65519), 65504)
        XCTAssertEqual(Half.round(65520), .infinity)               // NumPy: float16(65520) = inf
        XCTAssertEqual(Half.round(0x1p-25), 0)                     // half of the smallest subnormal → even (0)
        XCTAssertEqual(Half.round(0x1.8p-25), 0x1p-24)
        XCTAssertEqual(Half.round(-2.5e-3), -0.0025005340576171875)   // np.float16(-2.5e-3)
    }

    /// Above float16's range the reference gives inf; GenreKit clamps to the largest half, a bounded input.
    func testCompressionIsBounded() {
        XCTAssertEqual(MusicnnCompression.apply(1e9), MusicnnCompression.upperBound)
        XCTAssertEqual(MusicnnCompression.upperBound, 8.816276, accuracy: 1e-5)
        XCTAssertEqual(MusicnnCompression.apply(0), 0)
    }
}

/// ``MusicnnCompression/apply(inPlace:)`` reads a table of the 65,536 half values; it must equal ``apply(_:)``
/// value by value, bit for bit, across float32's whole range.
final class MusicnnCompressionTableTests: XCTestCase {
    func testTableEqualsTheFormulaBitForBit() {
        // Every half-rounding boundary region: each positive half value, and the float32 values just around it.
        var x: [Float] = [0, -0.0, 1e-30, 1e9, .greatestFiniteMagnitude, .infinity, 65519, 65520, 65504, 6e-8, 3e-8]
        for b in 0..<0x7c00 {
            let h = Half.toFloat(UInt16(b))
            x += [h, h.nextUp, h.nextDown, h.nextUp.nextUp]
            if b > 0 { x.append((h + Half.toFloat(UInt16(b - 1))) / 2) }  // the tie, rounded to even
        }
        var state: UInt32 = 1
        for _ in 0..<100_000 {
            state = 1664525 &* state &+ 1013904223
            x.append(Float(bitPattern: state & 0x7fff_ffff))          // any non-negative float32
        }
        var viaTable = x
        MusicnnCompression.apply(inPlace: &viaTable)
        for (i, v) in x.enumerated() where !v.isNaN {
            let direct = MusicnnCompression.apply(v)
            if viaTable[i].bitPattern != direct.bitPattern {
                XCTFail("x = \(v): table \(viaTable[i]) vs formula \(direct)")
                return
            }
        }
    }
}
