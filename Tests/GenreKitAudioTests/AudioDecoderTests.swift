import Foundation
import GenreKitAudio
import GenreKitCore
import XCTest

/// Parity of ``AudioDecoder`` with `librosa.load(path, sr=16000)` (librosa 0.11, soundfile + soxr_hq) on files made by
/// `reference/make_audio_fixtures.py`, and typed errors on bad input.
final class AudioDecoderTests: XCTestCase {
    static let fixtures = Bundle.module.resourcePath! + "/Fixtures/"

    struct FileFacts: Decodable { let channels: Int; let samplerate: Int; let frames: Int; let format: String; let subtype: String }
    struct Facts: Decodable { let files: [String: FileFacts] }

    func testDecodeMatchesLibrosaLoad() throws {
        let facts = try JSONDecoder().decode(Facts.self, from: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "audio.json")))
        let goodFiles = facts.files.keys.filter { FileManager.default.fileExists(atPath: Self.fixtures + $0 + ".load16k.npy") }.sorted()
        XCTAssertGreaterThanOrEqual(goodFiles.count, 7, "expected WAV, FLAC, OGG, two MP3s, 8-channel and 16 kHz fixtures")
        for name in goodFiles {
            let path = Self.fixtures + name
            let expected = try NPYArray(contentsOf: path + ".load16k.npy").values
            let audio = try AudioDecoder(sampleRate: 16000).decode(path: path)
            XCTAssertEqual(audio.samples.count, expected.count, "\(name): length")
            var maxDiff: Float = 0
            for i in 0..<min(expected.count, audio.samples.count) { maxDiff = max(maxDiff, abs(audio.samples[i] - expected[i])) }
            XCTAssertLessThanOrEqual(maxDiff, 1e-6, "\(name): max abs diff vs librosa.load")
            print("parity \(name): \(audio.samples.count) samples, max abs diff vs librosa.load \(maxDiff)")
            let f = try XCTUnwrap(facts.files[name])
            XCTAssertEqual(audio.source.channels, f.channels, name)
            XCTAssertEqual(audio.source.sampleRate, f.samplerate, name)
            XCTAssertEqual(audio.source.frames, f.frames, name)
            XCTAssertEqual(audio.source.format, f.format, name)
            XCTAssertEqual(audio.source.encoding, f.subtype, name)
        }
    }

    func testBlockSizeDoesNotChangeSamples() throws {
        let path = Self.fixtures + "stereo48k.mp3"
        let whole = try AudioDecoder(sampleRate: 16000, blockFrames: 1 << 20).decode(path: path).samples
        let blocks = try AudioDecoder(sampleRate: 16000, blockFrames: 256).decode(path: path).samples
        XCTAssertEqual(whole, blocks)
    }

    func testNativeRateKeepsSamples() throws {
        let audio = try AudioDecoder(sampleRate: nil).decode(path: Self.fixtures + "mono22k.flac")
        XCTAssertEqual(audio.sampleRate, 22050)
        XCTAssertEqual(audio.samples.count, audio.source.frames)
    }

    func testMissingFile() {
        XCTAssertThrowsError(try AudioDecoder().decode(path: "/nonexistent/song.mp3")) { error in
            XCTAssertEqual(error as? AudioError, .fileNotFound(path: "/nonexistent/song.mp3"))
            XCTAssertTrue("\(error)".contains("/nonexistent/song.mp3"))
        }
    }

    func testEmptyFile() {
        let p = Self.fixtures + "empty.wav"
        XCTAssertThrowsError(try AudioDecoder().decode(path: p)) { XCTAssertEqual($0 as? AudioError, .emptyFile(path: p)) }
        XCTAssertThrowsError(try AudioDecoder.info(path: p))
    }

    func testTextFileNamedMP3() {
        let p = Self.fixtures + "notaudio.mp3"
        XCTAssertThrowsError(try AudioDecoder().decode(path: p)) { error in
            guard case .unsupportedFormat(let path, _)? = error as? AudioError else { return XCTFail("got \(error)") }
            XCTAssertEqual(path, p)
            XCTAssertFalse("\(error)".contains("\n"), "one-line message")
        }
    }

    /// 40 % of an MP3: libsndfile cannot open it; reported as damaged, not as "not audio".
    func testTruncatedMP3ThatCannotOpen() {
        let p = Self.fixtures + "truncated.mp3"
        XCTAssertThrowsError(try AudioDecoder().decode(path: p)) { error in
            guard case .damaged(let path, _)? = error as? AudioError else { return XCTFail("got \(error)") }
            XCTAssertEqual(path, p)
        }
    }

    /// 60 % of an MP3: it opens and its Xing header announces 8821 frames, but only 1199 decode. Strict mode
    /// refuses it; by default the 1199 frames are kept with one warning (``RealWorldAudioTests``).
    func testTruncatedMP3ThatOpens() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "mono44k.mp3"))
        let p = NSTemporaryDirectory() + "genrekit-truncated60-\(getpid()).mp3"
        try whole.prefix(Int(Double(whole.count) * 0.6)).write(to: URL(fileURLWithPath: p))
        defer { try? FileManager.default.removeItem(atPath: p) }
        XCTAssertThrowsError(try AudioDecoder(strict: true).decode(path: p)) { error in
            guard case .truncated(let path, let expected, let decoded)? = error as? AudioError else { return XCTFail("got \(error)") }
            XCTAssertEqual(path, p)
            XCTAssertEqual(expected, 8821)
            XCTAssertEqual(decoded, 1199)
        }
    }

    func testZeroFrameWAV() {
        let p = Self.fixtures + "zeroframes.wav"
        XCTAssertThrowsError(try AudioDecoder().decode(path: p)) { XCTAssertEqual($0 as? AudioError, .noAudioFrames(path: p)) }
    }

    func testDirectoryIsNotAFile() {
        XCTAssertThrowsError(try AudioDecoder().decode(path: NSTemporaryDirectory())) {
            XCTAssertEqual($0 as? AudioError, .isDirectory(path: NSTemporaryDirectory()))
        }
    }
}
