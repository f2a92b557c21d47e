import Foundation
@testable import GenreKitAudio
import XCTest

/// FFmpeg is loaded at run time (``FFmpegLibrary``): nothing links it, every FFmpeg-path file still decodes, and a
/// machine without it gets one line saying what to install.
final class FFmpegLibraryTests: XCTestCase {
    /// The test executable links GenreKitAudio like `genrekit` does; its dynamic section must not name FFmpeg.
    func testNothingLinksFFmpeg() throws {
        let exe = try XCTUnwrap(Bundle.main.executablePath ?? ProcessInfo.processInfo.arguments.first)
        let needed = try Self.neededLibraries(of: exe)
        XCTAssertTrue(needed.contains { $0.hasPrefix("libsndfile") }, "readelf found no libsndfile in \(needed): not the test executable?")
        let ffmpeg = needed.filter { $0.hasPrefix("libav") || $0.hasPrefix("libswresample") }
        XCTAssertEqual(ffmpeg, [], "\(exe) links FFmpeg at start; it must be loaded with dlopen when a file needs it")
    }

    /// The libraries open from the sonames of the headers GenreKit was built with, and an M4A decodes through them.
    func testLibrariesLoadOnDemandAndDecode() throws {
        XCTAssertEqual(FFmpegLibrary.libraryNames.count, 4)
        XCTAssertTrue(FFmpegLibrary.libraryNames.last!.hasPrefix("libavformat."), "\(FFmpegLibrary.libraryNames)")
        let d = try RealWorldFixtures.scratch("ffmpeg-library")
        defer { try? FileManager.default.removeItem(atPath: d) }
        try RealWorldFixtures.writeSource(d + "src.wav", rate: 44100, channels: 2)
        try RealWorldFixtures.ffmpeg(["-i", d + "src.wav", "-c:a", "aac", "-b:a", "192k", d + "aac.m4a"])
        let audio = try AudioDecoder(sampleRate: 16000).decode(path: d + "aac.m4a")
        XCTAssertEqual(audio.source.decoder, .ffmpeg)
        XCTAssertEqual(audio.samples.count, 32000, accuracy: 1024 * 16000 / 44100 + 1)
        XCTAssertTrue(FFmpegLibrary.libraryNames.allSatisfy(FFmpegLibrary.isLoaded), "decoded through FFmpeg, yet it is not mapped")
    }

    /// A library that cannot be opened: a typed error whose message is one line naming the packages to install.
    func testMissingLibraryIsOneLineSayingWhatToInstall() {
        XCTAssertThrowsError(try FFmpegLibrary(libraries: ["libgenrekit-no-such-library.so.0"])) { error in
            let e = error as! FFmpegUnavailable
            XCTAssertEqual(e.library, "libgenrekit-no-such-library.so.0")
            let text = e.description
            XCTAssertFalse(text.contains("\n"), text)
            XCTAssertTrue(text.contains("libgenrekit-no-such-library.so.0"), text)
            XCTAssertTrue(text.contains("apt-get install " + FFmpegLibrary.packageNames.joined(separator: " ")), text)
            XCTAssertTrue(FFmpegLibrary.packageNames.contains { $0.hasPrefix("libavformat") }, "\(FFmpegLibrary.packageNames)")
        }
    }

    /// Without FFmpeg: a file only FFmpeg reads gets ``AudioError/decoderMissing(path:reason:)`` (one line, what to
    /// install); files libsndfile reads are unaffected, and a damaged container libsndfile recognises keeps its own error.
    func testDecodingWithoutFFmpeg() throws {
        let d = try RealWorldFixtures.scratch("ffmpeg-missing")
        defer { try? FileManager.default.removeItem(atPath: d) }
        try RealWorldFixtures.writeSource(d + "src.wav", rate: 44100, channels: 2)
        try RealWorldFixtures.ffmpeg(["-i", d + "src.wav", "-c:a", "aac", "-b:a", "192k", d + "aac.m4a"])
        let missing = Result<FFmpegLibrary, FFmpegUnavailable> { () throws(FFmpegUnavailable) in
            try FFmpegLibrary(libraries: ["libgenrekit-no-such-library.so.0"])
        }
        XCTAssertThrowsError(try AudioDecoder.open(path: d + "aac.m4a", ffmpeg: missing)) { error in
            guard case .decoderMissing(let path, let reason)? = error as? AudioError else { return XCTFail("got \(error)") }
            XCTAssertEqual(path, d + "aac.m4a")
            XCTAssertTrue(reason.contains("apt-get install"), reason)
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), text)
            XCTAssertTrue(text.hasPrefix(d + "aac.m4a: libsndfile cannot read it and FFmpeg is not available"), text)
        }
        let wav = try AudioDecoder.open(path: d + "src.wav", ffmpeg: missing)
        XCTAssertEqual(wav.fileInfo.decoder, .libsndfile)
        // A WAV cut inside its header: libsndfile knows the container, so the error stays "damaged".
        let bytes = try Data(contentsOf: URL(fileURLWithPath: d + "src.wav"))
        try bytes.prefix(30).write(to: URL(fileURLWithPath: d + "cut.wav"))
        XCTAssertThrowsError(try AudioDecoder.open(path: d + "cut.wav", ffmpeg: missing)) { error in
            guard case .damaged? = error as? AudioError else { return XCTFail("got \(error)") }
        }
    }

    /// `DT_NEEDED` entries of an ELF file, by `readelf -d` (binutils, which the Swift toolchain needs to link).
    static func neededLibraries(of path: String) throws -> [String] {
        let out = try RealWorldFixtures.runCapturing("readelf", ["-d", path])
        return out.split(separator: "\n").compactMap { line -> String? in
            guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        }
    }
}
