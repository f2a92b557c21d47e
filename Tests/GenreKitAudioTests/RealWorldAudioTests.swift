import Foundation
import GenreKitAudio
import XCTest

/// Files people have, made at test time with Debian's encoders (see ``RealWorldFixtures``), decoded at their own
/// rate and compared with the synthesized source: lossless codecs to 16-bit exactness, lossy ones by correlation
/// and SNR at the lag the codec leaves; lengths exactly where the container states them. Damaged files give their
/// typed errors, or are kept as far as they decode with one warning.
final class RealWorldAudioTests: XCTestCase {
    nonisolated(unsafe) static var dir = ""
    static let rate = 44100, channels = 2
    static let frames = 88200

    override class func setUp() {
        super.setUp()
        dir = (try? RealWorldFixtures.scratch("realworld")) ?? NSTemporaryDirectory()
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    /// The 16-bit stereo 44.1 kHz source WAV (made once).
    static func source() throws -> String {
        let p = dir + "source.wav"
        if !FileManager.default.fileExists(atPath: p) { try RealWorldFixtures.writeSource(p, rate: rate, channels: channels) }
        return p
    }

    static let reference = RealWorldFixtures.monoReference(rate: 44100, channels: 2)

    /// Decodes at the native rate, warnings collected instead of printed.
    func decodeNative(_ path: String, strict: Bool = false) throws -> (DecodedAudio, [String]) {
        let box = WarningBox()
        let audio = try AudioDecoder(sampleRate: nil, strict: strict, onWarning: { box.add($0) }).decode(path: path)
        return (audio, box.lines)
    }

    final class WarningBox: @unchecked Sendable {
        private let lock = NSLock()
        private var _lines: [String] = []
        var lines: [String] { lock.lock(); defer { lock.unlock() }; return _lines }
        func add(_ s: String) { lock.lock(); _lines.append(s); lock.unlock() }
    }

    // MARK: lossless

    /// Lossless containers hold the 16-bit source exactly: same length, samples equal to float rounding.
    func testLosslessFormatsDecodeExactly() throws {
        let src = try Self.source()
        let d = Self.dir
        var made: [(String, AudioFileInfo.Decoder)] = []
        func add(_ name: String, _ dec: AudioFileInfo.Decoder) { made.append((d + name, dec)) }
        try RealWorldFixtures.run("sox", [src, "-b", "24", d + "pcm24.wav"]); add("pcm24.wav", .libsndfile)
        try RealWorldFixtures.run("sox", [src, "-e", "floating-point", "-b", "32", d + "float32.wav"]); add("float32.wav", .libsndfile)
        try RealWorldFixtures.ffmpeg(["-i", src, "-c:a", "pcm_s24le", d + "extensible.wav"]); add("extensible.wav", .libsndfile)
        try RealWorldFixtures.ffmpeg(["-i", src, "-rf64", "always", d + "rf64.wav"]); add("rf64.wav", .libsndfile)
        try RealWorldFixtures.run("sox", [src, d + "aiff.aiff"]); add("aiff.aiff", .libsndfile)
        try RealWorldFixtures.ffmpeg(["-i", src, "-c:a", "pcm_s16le", "-f", "aiff", d + "aifc-sowt.aifc"]); add("aifc-sowt.aifc", .libsndfile)
        try RealWorldFixtures.run("flac", ["-s", "-f", src, "-o", d + "flac.flac"]); add("flac.flac", .libsndfile)
        try RealWorldFixtures.run("flac", ["-s", "-f", "--ogg", src, "-o", d + "ogg-flac.oga"]); add("ogg-flac.oga", .ffmpeg)
        try RealWorldFixtures.ffmpeg(["-i", src, "-c:a", "alac", d + "alac.m4a"]); add("alac.m4a", .ffmpeg)
        try RealWorldFixtures.run("wavpack", ["-q", "-y", src, "-o", d + "wavpack.wv"]); add("wavpack.wv", .ffmpeg)
        // FLAC written to a pipe from raw input: STREAMINFO states no length.
        try RealWorldFixtures.run("sox", [src, "-t", "raw", d + "source.raw"])
        try RealWorldFixtures.run("flac", ["-s", "--force-raw-format", "--endian=little", "--sign=signed", "--channels=2", "--bps=16",
                                           "--sample-rate=44100", "-", "-o", "-"], stdin: d + "source.raw", stdout: d + "unknown-length.flac")
        add("unknown-length.flac", .libsndfile)

        // WAVE_FORMAT_EXTENSIBLE and RF64 really are what their names say.
        let ext = try Data(contentsOf: URL(fileURLWithPath: d + "extensible.wav"))
        XCTAssertEqual(ext[20], 0xFE); XCTAssertEqual(ext[21], 0xFF)
        let rf = try Data(contentsOf: URL(fileURLWithPath: d + "rf64.wav"))
        XCTAssertEqual(String(decoding: rf.prefix(4), as: UTF8.self), "RF64")
        let uflac = try Data(contentsOf: URL(fileURLWithPath: d + "unknown-length.flac"))
        // STREAMINFO total samples (36 bits from byte 21 of the file, after "fLaC" + block header) is 0: unknown.
        XCTAssertEqual(uflac[21] & 0x0F, 0); XCTAssertEqual(uflac[22], 0); XCTAssertEqual(uflac[25], 0)

        for (path, decoder) in made {
            let name = (path as NSString).lastPathComponent
            let (audio, warnings) = try decodeNative(path)
            XCTAssertEqual(audio.source.decoder, decoder, name)
            XCTAssertEqual(audio.sampleRate, 44100, name)
            XCTAssertEqual(audio.source.channels, 2, name)
            XCTAssertEqual(audio.samples.count, Self.frames, "\(name): length")
            XCTAssertEqual(audio.source.frames, Self.frames, "\(name): frames decoded")
            XCTAssertEqual(warnings, [], name)
            let c = Closeness.measure(audio.samples, reference: Self.reference)
            XCTAssertEqual(c.lag, 0, name)
            XCTAssertLessThanOrEqual(c.maxDiff, 1e-7, "\(name): lossless \(c)")
            print("realworld \(name) [\(audio.source.decoder)] \(audio.source.format) \(audio.source.encoding): \(c)")
        }
        // The unknown length is counted, not announced as 2^63 − 1.
        let info = try AudioDecoder.info(path: d + "unknown-length.flac")
        XCTAssertEqual(info.frames, Self.frames)
        // And the 16 kHz path works end to end on an FFmpeg file: ceil(88200 · 16000 / 44100) samples.
        let y = try AudioDecoder(sampleRate: 16000).decode(path: d + "alac.m4a")
        XCTAssertEqual(y.samples.count, 32000)
        XCTAssertEqual(y.source.decoder, .ffmpeg)
    }

    // MARK: lossy

    struct Lossy {
        var name: String
        var decoder: AudioFileInfo.Decoder
        /// Exact decoded length when the container states it (gapless), else a range.
        var length: ClosedRange<Int>
        var lag: ClosedRange<Int>
        var minSNR: Double
    }

    /// Lossy codecs: the decoded signal correlates with the source (SNR bound per codec at its bitrate), at lag 0
    /// where the container carries the encoder delay (LAME tag, MP4 edit list, Ogg pre-skip), and lengths match.
    func testLossyFormatsStayCloseToTheSource() throws {
        let src = try Self.source()
        let d = Self.dir
        let n = Self.frames
        try RealWorldFixtures.run("lame", ["--quiet", "-b", "192", src, d + "cbr-info.mp3"])
        try RealWorldFixtures.run("lame", ["--quiet", "-t", "-b", "192", src, d + "cbr-notag.mp3"])
        try RealWorldFixtures.run("lame", ["--quiet", "-V", "2", src, d + "vbr-xing.mp3"])
        try RealWorldFixtures.run("lame", ["--quiet", "-t", "-V", "2", src, d + "vbr-notag.mp3"])
        try RealWorldFixtures.ffmpeg(["-i", src, "-c:a", "aac", "-b:a", "192k", d + "aac.m4a"])
        try RealWorldFixtures.ffmpeg(["-i", src, "-c:a", "aac", "-b:a", "192k", "-f", "adts", d + "adts.aac"])
        try RealWorldFixtures.ffmpeg(["-i", src, "-c:a", "wmav2", "-b:a", "192k", d + "wma.wma"])
        try RealWorldFixtures.run("opusenc", ["--quiet", "--bitrate", "128", src, d + "opus.opus"])
        try RealWorldFixtures.run("oggenc", ["-Q", "-q", "6", src, "-o", d + "vorbis.ogg"])
        try RealWorldFixtures.ffmpeg(["-i", src, "-c:a", "libvorbis", "-q:a", "6", "-f", "webm", d + "webm.webm"])
        let cases: [Lossy] = [
            Lossy(name: "cbr-info.mp3", decoder: .libsndfile, length: n...n, lag: 0...0, minSNR: 25),
            Lossy(name: "cbr-notag.mp3", decoder: .libsndfile, length: n...(n + 3 * 1152), lag: 1...1200, minSNR: 25),
            Lossy(name: "vbr-xing.mp3", decoder: .libsndfile, length: n...n, lag: 0...0, minSNR: 25),
            // libsndfile stops at its (too short) bitrate estimate here; the whole stream is read through FFmpeg.
            Lossy(name: "vbr-notag.mp3", decoder: .ffmpeg, length: n...(n + 3 * 1152), lag: 1...1200, minSNR: 25),
            // FFmpeg (and so librosa) keep the last AAC frame whole: up to 1024 frames of end padding.
            Lossy(name: "aac.m4a", decoder: .ffmpeg, length: n...(n + 1024), lag: 0...0, minSNR: 25),
            Lossy(name: "adts.aac", decoder: .ffmpeg, length: n...(n + 3 * 1024), lag: 0...2048, minSNR: 25),
            // FFmpeg's WMA decoder drops the first 2048-sample block (the codec's delay).
            Lossy(name: "wma.wma", decoder: .ffmpeg, length: (n - 2048)...(n + 2048), lag: -2048...(-2048), minSNR: 30),
            Lossy(name: "opus.opus", decoder: .libsndfile, length: 96000...96000, lag: 0...0, minSNR: 30),
            Lossy(name: "vorbis.ogg", decoder: .libsndfile, length: n...n, lag: 0...0, minSNR: 30),
            Lossy(name: "webm.webm", decoder: .ffmpeg, length: n...(n + 1024), lag: 0...0, minSNR: 30),
        ]
        for c in cases {
            let (audio, warnings) = try decodeNative(d + c.name)
            XCTAssertEqual(audio.source.decoder, c.decoder, c.name)
            XCTAssertEqual(warnings, [], c.name)
            XCTAssertTrue(c.length.contains(audio.samples.count), "\(c.name): length \(audio.samples.count) not in \(c.length)")
            // Opus always decodes at 48 kHz: compare at 44.1 kHz through the resampler.
            var y = audio.samples
            if audio.sampleRate != 44100 {
                y = try AudioDecoder(sampleRate: 44100, onWarning: nil).decode(path: d + c.name).samples
            }
            let m = Closeness.measure(y, reference: Self.reference, maxLag: c.lag == 0...0 ? 0 : 2100)
            print("realworld \(c.name) [\(audio.source.decoder)] \(audio.source.format) \(audio.source.encoding) \(audio.sampleRate) Hz, \(audio.samples.count) frames: \(m)")
            XCTAssertTrue(c.lag.contains(m.lag), "\(c.name): lag \(m.lag) not in \(c.lag)")
            XCTAssertGreaterThanOrEqual(m.snr, c.minSNR, "\(c.name): \(m)")
            XCTAssertGreaterThanOrEqual(m.correlation, 0.99, "\(c.name): \(m)")
        }
        // info agrees with decode on an MP3 whose libsndfile estimate is too short.
        let info = try AudioDecoder.info(path: d + "vbr-notag.mp3")
        XCTAssertEqual(info.decoder, .ffmpeg)
        XCTAssertEqual(info.frames, try decodeNative(d + "vbr-notag.mp3").0.source.frames)
    }

    /// MPEG-2 (22.05 kHz) and MPEG-2.5 (8 kHz) layer III, and an ID3v2 tag holding a 600 KB picture.
    func testLowRateMP3AndLargeID3Tag() throws {
        let d = Self.dir
        for (rate, bitrate) in [(22050, "64"), (8000, "24")] {
            let src = d + "source\(rate).wav"
            try RealWorldFixtures.writeSource(src, rate: rate, channels: 1)
            let mp3 = d + "mpeg\(rate).mp3"
            try RealWorldFixtures.run("lame", ["--quiet", "-b", bitrate, src, mp3])
            let (audio, warnings) = try decodeNative(mp3)
            XCTAssertEqual(audio.sampleRate, rate)
            XCTAssertEqual(audio.samples.count, 2 * rate, "MPEG at \(rate) Hz: gapless length")
            XCTAssertEqual(warnings, [])
            let m = Closeness.measure(audio.samples, reference: RealWorldFixtures.monoReference(rate: rate, channels: 1))
            print("realworld mpeg\(rate).mp3: \(m)")
            XCTAssertGreaterThanOrEqual(m.snr, 10, "MPEG at \(rate) Hz: \(m)")
            XCTAssertGreaterThanOrEqual(m.correlation, 0.95)
            let y = try AudioDecoder(sampleRate: 16000, onWarning: nil).decode(path: mp3)
            XCTAssertEqual(y.samples.count, 32000)
        }
        // A JPEG-looking picture of 600 KB in the ID3v2 tag in front of the audio.
        var picture: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0]
        var g = SystemRandomNumberGenerator()
        picture += (0..<600_000).map { _ in UInt8.random(in: 0...255, using: &g) }
        try Data(picture).write(to: URL(fileURLWithPath: d + "cover.jpg"))
        let src = try Self.source()
        try RealWorldFixtures.run("lame", ["--quiet", "-b", "192", "--ti", d + "cover.jpg", src, d + "id3pic.mp3"])
        let size = try FileManager.default.attributesOfItem(atPath: d + "id3pic.mp3")[.size] as! Int
        XCTAssertGreaterThan(size, 600_000)
        let (audio, _) = try decodeNative(d + "id3pic.mp3")
        XCTAssertEqual(audio.samples.count, Self.frames)
        let m = Closeness.measure(audio.samples, reference: Self.reference)
        XCTAssertEqual(m.lag, 0)
        XCTAssertGreaterThanOrEqual(m.snr, 25, "ID3 picture MP3: \(m)")
    }

    // MARK: damaged

    /// The first `fraction` of a file, written under a new name.
    func cut(_ path: String, _ fraction: Double, to name: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let out = Self.dir + name
        try data.prefix(Int(Double(data.count) * fraction)).write(to: URL(fileURLWithPath: out))
        return out
    }

    /// A cut file decodes as far as it goes with one warning naming the file and the seconds kept; strict refuses it.
    func testCutFilesKeepWhatDecodesWithOneWarning() throws {
        let src = try Self.source()
        let d = Self.dir
        try RealWorldFixtures.run("lame", ["--quiet", "-b", "192", src, d + "whole.mp3"])
        try RealWorldFixtures.run("flac", ["-s", "-f", src, "-o", d + "whole.flac"])
        try RealWorldFixtures.ffmpeg(["-i", src, "-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart", d + "whole.m4a"])
        for (name, fraction) in [("whole.mp3", 0.5), ("whole.flac", 0.5), ("whole.m4a", 0.5)] {
            let p = try cut(d + name, fraction, to: "cut-" + name)
            let (audio, warnings) = try decodeNative(p)
            print("realworld cut-\(name) [\(audio.source.decoder)]: \(audio.samples.count) frames; \(warnings)")
            XCTAssertEqual(warnings.count, 1, "cut-\(name): one warning")
            XCTAssertEqual(audio.warning, warnings.first)
            let w = warnings.first ?? ""
            XCTAssertTrue(w.contains(p), w)
            XCTAssertTrue(w.contains(" s that decoded"), w)
            XCTAssertFalse(w.contains("\n"), w)
            // The decoder library's own message is folded into the line (not printed on its own).
            if name.hasSuffix(".mp3") { XCTAssertTrue(w.contains("libmpg123: "), w) }
            if name.hasSuffix(".m4a") { XCTAssertTrue(w.contains("FFmpeg: "), w) }
            XCTAssertGreaterThan(audio.samples.count, Int(Double(Self.frames) * 0.3), "cut-\(name)")
            XCTAssertLessThan(audio.samples.count, Int(Double(Self.frames) * 0.7), "cut-\(name)")
            let seconds = String(format: "%.2f", Double(audio.samples.count) / 44100)
            XCTAssertTrue(w.contains(seconds + " s"), "\(w) should name \(seconds) s")
            // What decoded is the source's beginning.
            let head = Array(Self.reference.prefix(audio.samples.count))
            let m = Closeness.measure(Array(audio.samples.prefix(head.count)), reference: head)
            XCTAssertGreaterThanOrEqual(m.snr, 20, "cut-\(name): \(m)")
            XCTAssertThrowsError(try decodeNative(p, strict: true), "cut-\(name) strict") { error in
                switch error as? AudioError {
                case .truncated(let path, _, _)?, .decodeFailed(let path, _)?, .damaged(let path, _)?: XCTAssertEqual(path, p)
                default: XCTFail("cut-\(name) strict: got \(error)")
                }
                XCTAssertFalse("\(error)".contains("\n"))
            }
        }
    }

    /// Junk after the audio, and WAV size fields that lie: read like librosa reads them, no crash, no refusal.
    func testJunkAndWrongSizeFields() throws {
        let src = try Self.source()
        let d = Self.dir
        var junk = [UInt8](repeating: 0, count: 20_000)
        var g = SystemRandomNumberGenerator()
        for i in junk.indices { junk[i] = UInt8.random(in: 0...255, using: &g) }
        let wav = try Data(contentsOf: URL(fileURLWithPath: src))
        try (wav + Data(junk)).write(to: URL(fileURLWithPath: d + "junk.wav"))
        try RealWorldFixtures.run("lame", ["--quiet", "-b", "192", src, d + "junkbase.mp3"])
        try (try Data(contentsOf: URL(fileURLWithPath: d + "junkbase.mp3")) + Data(junk)).write(to: URL(fileURLWithPath: d + "junk.mp3"))
        // RIFF and data sizes 0xFFFFFFFF (how streamed WAVs are written), and a data size past the end of the file.
        var huge = wav
        huge.replaceSubrange(4..<8, with: [0xFF, 0xFF, 0xFF, 0xFF])
        huge.replaceSubrange(40..<44, with: [0xFF, 0xFF, 0xFF, 0xFF])
        try huge.write(to: URL(fileURLWithPath: d + "size-ffffffff.wav"))
        var long = wav
        let twice = UInt32(Self.frames * 4 * 2)
        long.replaceSubrange(40..<44, with: withUnsafeBytes(of: twice.littleEndian) { Array($0) })
        try long.write(to: URL(fileURLWithPath: d + "size-toolong.wav"))
        XCTAssertEqual(String(decoding: wav[36..<40], as: UTF8.self), "data", "source WAV layout")

        for name in ["junk.wav", "size-ffffffff.wav", "size-toolong.wav"] {
            let (audio, _) = try decodeNative(d + name)
            XCTAssertEqual(audio.samples.count, Self.frames, name)
            let m = Closeness.measure(audio.samples, reference: Self.reference)
            XCTAssertLessThanOrEqual(m.maxDiff, 1e-7, "\(name): \(m)")
        }
        let (mp3, _) = try decodeNative(d + "junk.mp3")
        print("realworld junk.mp3: \(mp3.samples.count) frames, warning \(mp3.warning ?? "none")")
        XCTAssertGreaterThanOrEqual(mp3.samples.count, Self.frames)
        let m = Closeness.measure(Array(mp3.samples.prefix(Self.frames)), reference: Self.reference)
        XCTAssertGreaterThanOrEqual(m.snr, 25, "junk.mp3: \(m)")
    }

    /// NaN and infinity in a float WAV are refused with one line, whichever channel and wherever they are.
    func testNonFiniteSamplesAreRefused() throws {
        let d = Self.dir
        for (name, bad) in [("nan.wav", Float.nan), ("inf.wav", Float.infinity), ("neginf.wav", -Float.infinity)] {
            var x = RealWorldFixtures.signal(rate: 8000, channels: 2, seconds: 1).map { Float($0) / 32768 }
            x[2 * 6000 + 1] = bad
            let p = d + name
            try AudioEncoder.write(x, channels: 2, sampleRate: 8000, format: .wavFloat, to: p)
            for rate in [16000, 8000] as [Int?] {
                XCTAssertThrowsError(try AudioDecoder(sampleRate: rate).decode(path: p), name) { error in
                    XCTAssertEqual(error as? AudioError, .nonFiniteSamples(path: p, seconds: 0.75))
                    XCTAssertTrue("\(error)".contains("contains NaN or infinite samples"))
                    XCTAssertFalse("\(error)".contains("\n"))
                }
            }
        }
    }

    /// Fuzzing found it: finite float samples near float's limit overflow in the resampler to NaN. Refused as
    /// non-finite, never passed on.
    func testHugeFiniteFloatSamplesDoNotLeakNaN() throws {
        var x = RealWorldFixtures.signal(rate: 22050, channels: 2, seconds: 0.5).map { Float($0) / 32768 }
        for f in 2000..<2100 { x[2 * f] = f % 2 == 0 ? 1e38 : -1e38; x[2 * f + 1] = x[2 * f] }
        let p = Self.dir + "huge.wav"
        try AudioEncoder.write(x, channels: 2, sampleRate: 22050, format: .wavFloat, to: p)
        XCTAssertThrowsError(try AudioDecoder(sampleRate: 16000).decode(path: p)) { error in
            guard case .nonFiniteSamples(let path, let t)? = error as? AudioError else { return XCTFail("got \(error)") }
            XCTAssertEqual(path, p)
            // The overflow spreads through the resampler's block: the first bad output sample is at or before the huge ones.
            XCTAssertTrue(t >= 0 && t <= 2100.0 / 22050, "\(t)")
        }
        // At the file's own rate nothing overflows: the samples come back as they are.
        let native = try AudioDecoder(sampleRate: nil).decode(path: p)
        XCTAssertEqual(native.samples[2000], 1e38)
        XCTAssertTrue(native.samples.allSatisfy { $0.isFinite })
    }

    /// Empty, text, directory, random bytes: each its own one-line error.
    func testNotAudio() throws {
        let d = Self.dir
        XCTAssertTrue(FileManager.default.createFile(atPath: d + "zero.mp3", contents: Data()))
        try "this is a text file, not audio\n".write(toFile: d + "text.wav", atomically: true, encoding: .utf8)
        try "# README\nhello\n".write(toFile: d + "text.m4a", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: d + "folder.mp3", withIntermediateDirectories: true)
        XCTAssertThrowsError(try AudioDecoder().decode(path: d + "zero.mp3")) { XCTAssertEqual($0 as? AudioError, .emptyFile(path: d + "zero.mp3")) }
        for name in ["text.wav", "text.m4a"] {
            XCTAssertThrowsError(try AudioDecoder().decode(path: d + name)) { error in
                guard case .unsupportedFormat(let path, _)? = error as? AudioError else { return XCTFail("\(name): got \(error)") }
                XCTAssertEqual(path, d + name)
                XCTAssertFalse("\(error)".contains("\n"))
            }
        }
        XCTAssertThrowsError(try AudioDecoder().decode(path: d + "folder.mp3")) { error in
            XCTAssertEqual(error as? AudioError, .isDirectory(path: d + "folder.mp3"))
            XCTAssertTrue("\(error)".contains("is a directory"))
        }
        XCTAssertThrowsError(try AudioDecoder.info(path: d + "folder.mp3")) { XCTAssertEqual($0 as? AudioError, .isDirectory(path: d + "folder.mp3")) }
        // A video without sound: no audio frames, not "damaged".
        try RealWorldFixtures.ffmpeg(["-f", "lavfi", "-i", "testsrc=duration=0.2:size=64x64:rate=10", "-c:v", "mpeg4", d + "silent-video.mp4"])
        XCTAssertThrowsError(try AudioDecoder().decode(path: d + "silent-video.mp4")) {
            XCTAssertEqual($0 as? AudioError, .noAudioFrames(path: d + "silent-video.mp4"))
        }
        // An M4A header followed by garbage: recognised as MP4 but unreadable.
        var bad = Data([0, 0, 0, 0x20] + Array("ftypM4A ".utf8) + [0, 0, 0, 0] + Array("M4A mp42isom".utf8) + [0, 0, 0, 0])
        bad += Data((0..<4000).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
        try bad.write(to: URL(fileURLWithPath: d + "garbage.m4a"))
        XCTAssertThrowsError(try AudioDecoder().decode(path: d + "garbage.m4a")) { error in
            guard case .damaged(let path, _)? = error as? AudioError else { return XCTFail("garbage.m4a: got \(error)") }
            XCTAssertEqual(path, d + "garbage.m4a")
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }
}
