import Foundation
import GenreKitCore
import XCTest

/// ``SHA256Hash`` against FIPS 180-4's example digests (NIST's "SHA256.pdf" and the long-message vector), in one
/// piece and in awkward pieces, and its value semantics.
final class SHA256HashTests: XCTestCase {
    static let abc448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

    func testFIPSExamples() {
        XCTAssertEqual(SHA256Hash.hex(of: Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256Hash.hex(of: Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256Hash.hex(of: Data(Self.abc448.utf8)), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256Hash.hex(of: Data(repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Pieces of 1, 63, 64, 65 and 1000 bytes (across block boundaries) give the digest of the whole.
    func testPiecesGiveTheDigestOfTheWhole() {
        var generator = SeededGenerator(seed: 7)
        let message = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let whole = SHA256Hash.hex(of: message)
        for piece in [1, 63, 64, 65, 1000] {
            var s = SHA256Hash()
            var i = 0
            while i < message.count {
                let j = min(i + piece, message.count)
                message[i..<j].withUnsafeBytes { s.update($0) }
                i = j
            }
            XCTAssertEqual(SHA256Hash.hexString(s.finalize()), whole, "pieces of \(piece) bytes")
        }
    }

    /// A copy goes on from the state it was copied in, independently; ``SHA256Hash/finalize()`` starts a new message.
    func testValueSemanticsAndFinalizeStartsOver() {
        var a = SHA256Hash()
        a.update(Data("ab".utf8))
        var b = a
        a.update(Data("c".utf8))
        b.update(Data("d".utf8))
        XCTAssertEqual(SHA256Hash.hexString(a.finalize()), SHA256Hash.hex(of: Data("abc".utf8)))
        XCTAssertEqual(SHA256Hash.hexString(b.finalize()), SHA256Hash.hex(of: Data("abd".utf8)))
        a.update(Data("abc".utf8))
        XCTAssertEqual(SHA256Hash.hexString(a.finalize()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256Hash.hexString(a.finalize()), SHA256Hash.hex(of: Data()))
    }
}
