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
