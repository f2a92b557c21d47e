import Foundation
@testable import GenreKitServer
import XCTest

/// The streaming multipart parser: the same parts whatever the chunking, a part's body passed on while it streams
/// (never more than a boundary's length held back), and malformed bodies refused with a one-line reason.
final class MultipartParserTests: XCTestCase {
    /// A form with a field, a file whose bytes contain boundary look-alikes, and an empty file.
    func sample() -> (boundary: String, body: [UInt8], file: [UInt8]) {
        let boundary = "XyZ-123"
        var file = [UInt8](repeating: 0, count: 3000)
        for i in file.indices { file[i] = UInt8((i * 7 + i / 13) % 256) }
        file.replaceSubrange(100..<110, with: Array("\r\n--XyZ-12".utf8))  // all but the last byte of the delimiter
        file.replaceSubrange(2000..<2004, with: Array("\r\n--".utf8))
        var body = Array("preamble to ignore\r\n--XyZ-123\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nMSD_musicnn\r\n".utf8)
        body += Array("--XyZ-123\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a;b.wav\"\r\nContent-Type: audio/wav\r\n\r\n".utf8)
        body += file
        body += Array("\r\n--XyZ-123\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        body += Array("\r\n--XyZ-123--\r\nepilogue".utf8)
        return (boundary, body, file)
    }

    /// Joins consecutive body chunks, so that the events compare whatever the chunking.
    func parse(_ body: [UInt8], boundary: String, chunk: Int) throws -> (events: [MultipartParser.Event], maxHeld: Int) {
        var parser = try MultipartParser(boundary: boundary)
        var events: [MultipartParser.Event] = [], maxHeld = 0
        func add(_ e: MultipartParser.Event) {
            if case .body(let b) = e, case .body(let a)? = events.last { events[events.count - 1] = .body(a + b) } else { events.append(e) }
        }
        var i = 0
        while i < body.count {
            for e in try parser.feed(body[i..<min(body.count, i + chunk)]) { add(e) }
            maxHeld = max(maxHeld, parser.heldBytes)
            i += chunk
        }
        for e in try parser.finish() { add(e) }
        return (events, maxHeld)
    }

    func testPartsAreTheSameWhateverTheChunking() throws {
        let (boundary, body, file) = sample()
        let expected: [MultipartParser.Event] = [
            .part(.init(name: "model", filename: nil, contentType: nil)), .body(Array("MSD_musicnn".utf8)), .partEnd,
            .part(.init(name: "file", filename: "a;b.wav", contentType: "audio/wav")), .body(file), .partEnd,
            .part(.init(name: "file", filename: "", contentType: "application/octet-stream")), .partEnd,
            .end,
        ]
        for chunk in [1, 2, 3, 7, 13, 64, 1000, body.count] {
            let (events, maxHeld) = try parse(body, boundary: boundary, chunk: chunk)
            XCTAssertEqual(events, expected, "chunks of \(chunk) bytes")
            // Held back: at most the last chunk plus a delimiter's length (or one part's header block).
            XCTAssertLessThanOrEqual(maxHeld, chunk + 200, "chunks of \(chunk) bytes")
        }
    }

    func testBoundaryFromContentType() {
        XCTAssertEqual(MultipartParser.boundary(contentType: "multipart/form-data; boundary=abc"), "abc")
        XCTAssertEqual(MultipartParser.boundary(contentType: "Multipart/Form-Data; charset=utf-8; boundary=\"a b;c\""), "a b;c")
        XCTAssertNil(MultipartParser.boundary(contentType: "audio/wav"))
        XCTAssertNil(MultipartParser.boundary(contentType: "multipart/mixed; boundary=abc"))
        XCTAssertThrowsError(try MultipartParser(boundary: "")) { XCTAssertEqual($0 as? MultipartError, .badBoundary) }
    }

    func testMalformedBodiesAreRefused() throws {
        let (boundary, body, _) = sample()
        var cut = try MultipartParser(boundary: boundary)
        _ = try cut.feed(body.prefix(body.count - 20))
        XCTAssertThrowsError(try cut.finish()) { XCTAssertEqual($0 as? MultipartError, .truncated) }

        var junk = try MultipartParser(boundary: boundary)
        XCTAssertThrowsError(try junk.feed(Array("--XyZ-123xx\r\n".utf8))) {
            XCTAssertEqual(($0 as? MultipartError)?.description.hasPrefix("the multipart body is malformed"), true)
        }
        var noColon = try MultipartParser(boundary: boundary)
        XCTAssertThrowsError(try noColon.feed(Array("--XyZ-123\r\nContent-Disposition form-data\r\n\r\n".utf8)))
        var endless = try MultipartParser(boundary: boundary)
        XCTAssertThrowsError(try endless.feed(Array("--XyZ-123\r\nX: ".utf8) + [UInt8](repeating: 65, count: MultipartParser.maxHeaderBytes + 1)))
    }
}
