import GenreKitDSP
import XCTest

final class PatchesTests: XCTestCase {
    func testMusicnnDefaultsAreThreeSecondWindows() throws {
        let p = try Patches.musicnn()
        XCTAssertEqual(p.frameCount, 187)
        XCTAssertEqual(p.hop, 187)
        XCTAssertEqual(try Patches.musicnn(length: 3, overlap: 1).hop, 61)   // musicnn: time_to_frames(1 s)
        XCTAssertThrowsError(try Patches.musicnn(length: 3, overlap: 0.01))
    }

    func testWindowsLikeBatchData() {
        let p = Patches(frameCount: 4, hop: 3)
        let spec = (0..<(11 * 2)).map(Float.init)     // 11 frames × 2 bands
        XCTAssertEqual(p.starts(frames: 11), [0, 3, 6])   // range(0, 11 - 4 + 1, 3)
        let (values, count) = p.extract(spec, bands: 2)
        XCTAssertEqual(count, 3)
        XCTAssertEqual(Array(values[8..<16]), Array(spec[6..<14]))
    }

    func testShortClipPolicies() {
        let spec: [Float] = [1, 2, 3, 4, 5, 6]             // 3 frames × 2 bands
        let repeated = Patches(frameCount: 5, shortClipPolicy: .repeatPad).extract(spec, bands: 2)
        XCTAssertEqual(repeated.count, 1)
        XCTAssertEqual(repeated.values, [1, 2, 3, 4, 5, 6, 1, 2, 3, 4])
        XCTAssertEqual(Patches(frameCount: 5, shortClipPolicy: .zeroPad).extract(spec, bands: 2).values, [1, 2, 3, 4, 5, 6, 0, 0, 0, 0])
        XCTAssertEqual(Patches(frameCount: 5, shortClipPolicy: .drop).extract(spec, bands: 2).count, 0)
    }
}
