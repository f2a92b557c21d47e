import Foundation
import XCTest
@testable import GenreKitModels

/// Damaged copies of the YAMNet file (in memory only) are refused with a typed, one-line error — never a trap.
final class TFLiteReaderRobustnessTests: XCTestCase {
    /// Decodes and compiles `bytes`; returns the error, nil when it loaded.
    func load(_ bytes: [UInt8]) -> TFLiteError? {
        do {
            let file = try TFLiteModelFile(bytes: bytes)
            _ = try TFLitePlan(model: file)
            return nil
        } catch let e as TFLiteError {
            return e
        } catch {
            XCTFail("untyped error \(error)")
            return nil
        }
    }

    func original() throws -> [UInt8] {
        let p = try LoadedYAMNet.path()
        return [UInt8](try XCTUnwrap(FileManager.default.contents(atPath: p)))
    }

    func testIntactFileLoads() throws {
        let bytes = try original()
        XCTAssertNil(load(bytes))
        let file = try TFLiteModelFile(bytes: bytes)
        XCTAssertEqual(file.operators.count, 44)
        XCTAssertEqual(file.tensors[file.inputs[0]].shape, [15600])
    }

    func testTruncatedCopiesAreRefused() throws {
        let bytes = try original()
        var lengths = [0, 1, 4, 7, 8, 12, 16, 64, 100, 1000, 4096, bytes.count - 1, bytes.count - 16, bytes.count / 2]
        for k in 1..<60 { lengths.append(bytes.count * k / 60) }
        for n in lengths {
            let e = load(Array(bytes[..<n]))
            XCTAssertNotNil(e, "truncated to \(n) bytes loaded")
            if let e { XCTAssertFalse(e.description.contains("\n"), "one line: \(e)") }
        }
    }

    /// Bit flips at LCG-chosen positions: in the flatbuffer's tables they must be refused or harmless; in weight data
    /// they load (a different model). Either way no trap, and every refusal is a typed one-line message.
    func testBitFlippedCopiesNeverTrap() throws {
        let bytes = try original()
        // Where the tables are: everything outside the big constant buffers.
        let file = try TFLiteModelFile(bytes: bytes)
        let data = file.buffers.filter { $0.count > 0 }.map { $0.start..<($0.start + $0.count) }.sorted { $0.lowerBound < $1.lowerBound }
        var positions: [Int] = []
        var p = 0
        for r in data {
            if p < r.lowerBound { positions += Array(p..<r.lowerBound) }
            p = max(p, r.upperBound)
        }
        positions += Array(p..<bytes.count)
        XCTAssertGreaterThan(positions.count, 1000)
        var state: UInt32 = 99
        func next() -> Int { state = state &* 1_664_525 &+ 1_013_904_223; return Int(state >> 8) }
        var refused = 0, loaded = 0
        for trial in 0..<160 {
            var copy = bytes
            let flips = 1 + trial % 3
            for _ in 0..<flips {
                let p = trial % 5 == 4 ? next() % bytes.count : positions[next() % positions.count]
                copy[p] ^= UInt8(1 << (next() % 8))
            }
            if let e = load(copy) {
                refused += 1
                XCTAssertFalse(e.description.isEmpty || e.description.contains("\n"), "\(e)")
            } else {
                loaded += 1
            }
        }
        print("bit-flipped copies: \(refused) refused, \(loaded) loaded (harmless flips)")
        XCTAssertGreaterThan(refused, 40)
    }

    func testChecksumIsVerifiedForTheKnownModel() throws {
        var bytes = try original()
        bytes[bytes.count / 2] ^= 1
        let path = NSTemporaryDirectory() + "genrekit-yamnet-flipped-\(getpid()).tflite"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try YAMNetModel(path: path)) { error in
            guard case TFLiteError.checksumMismatch(let name, let expected, _) = error else {
                return XCTFail("expected a checksum mismatch, got \(error)")
            }
            XCTAssertEqual(name, "yamnet")
            XCTAssertEqual(expected, YAMNetModel.sha256)
        }
        XCTAssertThrowsError(try YAMNetModel(path: path + ".absent")) { error in
            XCTAssertTrue("\(error)".contains("no such file"), "\(error)")
        }
    }

    func testNotAFlatbuffer() {
        XCTAssertEqual(load(Array("hello, this is not a model at all".utf8)),
                       .malformed("missing the TFL3 file identifier (not a TensorFlow Lite model)"))
        XCTAssertNotNil(load([UInt8](repeating: 0xFF, count: 64)))
        var header: [UInt8] = [0xF0, 0xFF, 0xFF, 0x7F, 0x54, 0x46, 0x4C, 0x33]
        header += [UInt8](repeating: 0, count: 8)
        XCTAssertNotNil(load(header))
    }
}
