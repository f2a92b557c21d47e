import GenreKitAudio
import XCTest

final class ResamplerTests: XCTestCase {
    /// Block-wise processing must give the same samples as one call (the decoder relies on it).
    func testStreamingEqualsOneCall() throws {
        let x = (0..<20000).map { Float(sin(Double($0) * 0.01) * 0.5) }
        func run(block: Int) throws -> [Float] {
            let r = try Resampler(inputRate: 44100, outputRate: 16000)
            var out: [Float] = []
            try x.withUnsafeBufferPointer { p in
                var i = 0
                while i < x.count {
                    let n = min(block, x.count - i)
                    try r.process(UnsafeBufferPointer(rebasing: p[i..<i + n]), into: &out)
                    i += n
                }
            }
            try r.finish(into: &out)
            return out
        }
        let a = try run(block: x.count), b = try run(block: 333)
        XCTAssertEqual(a, b)
        XCTAssertGreaterThanOrEqual(a.count, 7255 - 1)
    }

    func testExpectedLengthIsCeil() {
        XCTAssertEqual(Resampler.expectedLength(inputCount: 4411, inputRate: 44100, outputRate: 16000), 1601)
        XCTAssertEqual(Resampler.expectedLength(inputCount: 44100, inputRate: 44100, outputRate: 16000), 16000)
    }

    func testRejectsNonPositiveRates() {
        XCTAssertThrowsError(try Resampler(inputRate: 0, outputRate: 16000))
    }
}
