import Foundation
import GenreKitCore
import XCTest

final class NPYArrayTests: XCTestCase {
    func testRoundTrip() throws {
        let a = NPYArray(shape: [2, 3], values: [1, 2, 3, 4, 5, 6.5])
        let p = NSTemporaryDirectory() + "gk-npy-\(getpid()).npy"
        defer { try? FileManager.default.removeItem(atPath: p) }
        try a.write(to: p)
        XCTAssertEqual(try NPYArray(contentsOf: p), a)
        let data = try Data(contentsOf: URL(fileURLWithPath: p))
        XCTAssertEqual((data.count - 6 * 4) % 64, 0, "header padded to 64 bytes as NumPy writes it")
    }

    func testFortranOrderIsReordered() throws {
        // np.asfortranarray([[1,2,3],[4,5,6]], dtype='<f4') saved with np.save.
        var header = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8))
        [Float(1), 4, 2, 5, 3, 6].withUnsafeBytes { data.append(contentsOf: $0) }
        let p = NSTemporaryDirectory() + "gk-npyf-\(getpid()).npy"
        defer { try? FileManager.default.removeItem(atPath: p) }
        try data.write(to: URL(fileURLWithPath: p))
        XCTAssertEqual(try NPYArray(contentsOf: p).values, [1, 2, 3, 4, 5, 6])
    }
}
