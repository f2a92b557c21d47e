import Foundation
@testable import GenreKitAudio
import XCTest

/// ``AudioDecoder/readAhead`` (decoding on a thread of its own, ``AudioReadAhead``) changes nothing a reader sees:
/// the same samples to the bit, the same reads, warnings and errors, for libsndfile and FFmpeg sources alike; a
/// stream let go early stops its decoding thread.
final class AudioReadAheadTests: XCTestCase {
    nonisolated(unsafe) static var dir = ""

    override class func setUp() {
        super.setUp()
        dir = (try? RealWorldFixtures.scratch("readahead")) ?? NSTemporaryDirectory()
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    /// What a reader sees of `path`: every read's output, the facts at the end, the warnings, or the error.
    struct Seen: Equatable {
        var reads: [[Float]] = []
        var frames = 0
        var warnings: [String] = []
        var error: AudioError?
    }

    func read(_ path: String, ahead: Bool, rate: Int? = 16000, blockFrames: Int = 1 << 16, strict: Bool = false) -> Seen {
        let lines = RealWorldAudioTests.WarningBox()
        var decoder = AudioDecoder(sampleRate: rate, blockFrames: blockFrames, strict: strict, onWarning: { lines.add($0) })
        decoder.readAhead = ahead
        var seen = Seen()
        do {
            let s = try decoder.stream(path: path)
            var more = true
            while more {
                var part: [Float] = []
                more = try s.read(into: &part)
                seen.reads.append(part)
            }
            seen.frames = s.source.frames
        } catch {
            seen.error = error
        }
        seen.warnings = lines.lines
        return seen
    }

    func assertSame(_ path: String, _ what: String, rate: Int? = 16000, blockFrames: Int = 1 << 16, strict: Bool = false,
                    file: StaticString = #filePath, line: UInt = #line) {
        let inLine = read(path, ahead: false, rate: rate, blockFrames: blockFrames, strict: strict)
        let ahead = read(path, ahead: true, rate: rate, blockFrames: blockFrames, strict: strict)
        XCTAssertEqual(ahead.reads.count, inLine.reads.count, "\(what): reads", file: file, line: line)
        XCTAssertTrue(ahead.reads == inLine.reads, "\(what): samples differ with read-ahead", file: file, line: line)
        XCTAssertEqual(ahead.frames, inLine.frames, "\(what): frames", file: file, line: line)
        XCTAssertEqual(ahead.warnings, inLine.warnings, "\(what): warnings", file: file, line: line)
        XCTAssertEqual(ahead.error, inLine.error, "\(what): error", file: file, line: line)
    }

    func testReadAheadSeesWhatTheReaderWouldHaveDecoded() throws {
        let d = Self.dir, src = d + "source.wav"
        try RealWorldFixtures.writeSource(src, rate: 44100, channels: 2, seconds: 3.0)
        try RealWorldFixtures.run("lame", ["--quiet", "-b", "160", src, d + "a.mp3"])
        try RealWorldFixtures.ffmpeg(["-i", src, "-c:a", "aac", "-b:a", "128k", d + "a.m4a"])
        // Blocks that end at awkward offsets, the default, and a short last block.
        for block in [1001, 4097, 1 << 16] {
            assertSame(src, "WAV, block \(block)", blockFrames: block)
            assertSame(d + "a.mp3", "MP3, block \(block)", blockFrames: block)
            assertSame(d + "a.m4a", "M4A (FFmpeg), block \(block)", blockFrames: block)
        }
        assertSame(d + "a.mp3", "MP3 at its own rate", rate: nil, blockFrames: 4097)
        let seen = read(d + "a.mp3", ahead: true, blockFrames: 4097)
        XCTAssertGreaterThan(seen.reads.count, 3 * 44100 / 4097, "one read per block")
        XCTAssertEqual(seen.reads.reduce(0) { $0 + $1.count }, 48000, "ceil(132300 · 16000 / 44100)")
    }

    func testDamageGivesTheSameWarningsAndErrors() throws {
        let d = Self.dir, src = d + "source2.wav"
        try RealWorldFixtures.writeSource(src, rate: 44100, channels: 2, seconds: 2.0)
        try RealWorldFixtures.run("lame", ["--quiet", "-b", "192", src, d + "whole.mp3"])
        let whole = try Data(contentsOf: URL(fileURLWithPath: d + "whole.mp3"))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: d + "cut.mp3"))
        let cut = read(d + "cut.mp3", ahead: true)
        XCTAssertEqual(cut.warnings.count, 1, "a cut MP3 is kept with one warning: \(cut.warnings)")
        assertSame(d + "cut.mp3", "cut MP3")
        assertSame(d + "cut.mp3", "cut MP3, strict", strict: true)
        XCTAssertNotNil(read(d + "cut.mp3", ahead: true, strict: true).error)
        // A NaN in the second second: refused at the same place.
        var x = RealWorldFixtures.signal(rate: 8000, channels: 2, seconds: 2).map { Float($0) / 32768 }
        x[2 * 12000] = .nan
        try AudioEncoder.write(x, channels: 2, sampleRate: 8000, format: .wavFloat, to: d + "nan.wav")
        assertSame(d + "nan.wav", "NaN", blockFrames: 1000)
        XCTAssertEqual(read(d + "nan.wav", ahead: true, blockFrames: 1000).error, .nonFiniteSamples(path: d + "nan.wav", seconds: 1.5))
        assertSame("/nonexistent/x.wav", "missing file")
    }

    func testAStreamLetGoEarlyStopsItsThread() throws {
        let src = Self.dir + "long.wav"
        try RealWorldFixtures.writeSource(src, rate: 44100, channels: 2, seconds: 10.0)
        let before = AudioReadAhead.runningThreads
        do {
            var decoder = AudioDecoder(sampleRate: 16000, blockFrames: 1024)
            decoder.readAhead = true
            let s = try decoder.stream(path: src)
            var part: [Float] = []
            XCTAssertTrue(try s.read(into: &part))
            XCTAssertEqual(AudioReadAhead.runningThreads, before + 1)
        }
        // 431 blocks, 4 queued at most: the thread waits for room until the stream goes, then stops.
        let deadline = Date().addingTimeInterval(30)
        while AudioReadAhead.runningThreads > before && Date() < deadline { usleep(1000) }
        XCTAssertEqual(AudioReadAhead.runningThreads, before, "the decoding thread of a released stream stops")
    }
}
