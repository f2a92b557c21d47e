import Foundation
import GenreKitAudio
import XCTest

/// ``AudioStream`` (block-by-block decoding in bounded memory) gives exactly the samples of a whole-file decode.
final class AudioStreamTests: XCTestCase {
    /// A 44.1 kHz stereo WAV of `seconds`: a chord plus seeded noise, different per channel.
    func writeStereo(seconds: Double, rate: Int = 44100) throws -> String {
        let n = Int(seconds * Double(rate))
        var x = [Float](repeating: 0, count: 2 * n)
        var state: UInt32 = 12345
        for i in 0..<n {
            state = state &* 1_664_525 &+ 1_013_904_223
            let noise = Float(state >> 8) * 0x1p-24 - 0.5
            let t = Double(i) / Double(rate)
            let s = Float(0.3 * sin(2 * .pi * 220 * t) + 0.2 * sin(2 * .pi * 3300 * t))
            x[2 * i] = s + 0.1 * noise
            x[2 * i + 1] = 0.8 * s - 0.05 * noise
        }
        let path = NSTemporaryDirectory() + "gk-stream-\(UUID().uuidString).wav"
        try AudioEncoder.write(x, channels: 2, sampleRate: rate, format: .wavFloat, to: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Streams `path` with `blockFrames`, returning the samples and the size of each read's output.
    func stream(_ path: String, blockFrames: Int, rate: Int? = 16000) throws -> (samples: [Float], reads: [Int]) {
        let s = try AudioDecoder(sampleRate: rate, blockFrames: blockFrames, strict: true, onWarning: nil).stream(path: path)
        var all: [Float] = [], reads: [Int] = []
        var more = true
        while more {
            var part: [Float] = []
            more = try s.read(into: &part)
            reads.append(part.count)
            all += part
        }
        XCTAssertTrue(s.isFinished)
        XCTAssertEqual(s.emitted, all.count)
        return (all, reads)
    }

    /// The whole-file path built independently: native-rate decode (mix only), one libsoxr call on the whole
    /// signal, then librosa's length `ceil(n · 16000 / 44100)`.
    func oneShot(_ path: String) throws -> [Float] {
        let native = try AudioDecoder(sampleRate: nil, blockFrames: 1 << 20, strict: true, onWarning: nil).decode(path: path)
        let r = try Resampler(inputRate: 44100, outputRate: 16000)
        var out: [Float] = []
        try native.samples.withUnsafeBufferPointer { try r.process($0, into: &out) }
        try r.finish(into: &out)
        let n = Resampler.expectedLength(inputCount: native.samples.count, inputRate: 44100, outputRate: 16000)
        if out.count > n { out.removeLast(out.count - n) } else { out += [Float](repeating: 0, count: n - out.count) }
        return out
    }

    func testStreamedBlocksEqualOneShotResampling() throws {
        // 7.3 s: 321,930 frames; blocks of 1,001 and 4,097 frames end at awkward offsets, and 65,536 (the default)
        // leaves a short last block.
        let path = try writeStereo(seconds: 7.3)
        let reference = try oneShot(path)
        XCTAssertEqual(reference.count, 116_800)          // ceil(321930 · 16000 / 44100)
        for block in [1001, 4097, 65536] {
            let (samples, reads) = try stream(path, blockFrames: block)
            XCTAssertEqual(samples.count, reference.count, "block \(block)")
            XCTAssertTrue(samples == reference, "block \(block): streamed samples differ from the one-shot path")
            XCTAssertGreaterThan(reads.count, 321_930 / block, "block \(block): one read per block")
            XCTAssertGreaterThan(reads.dropLast().max() ?? 0, 0, "block \(block): samples come out before the end")
        }
        // decode(path:) is the stream collected.
        XCTAssertTrue(try AudioDecoder(sampleRate: 16000, blockFrames: 777).decode(path: path).samples == reference)
    }

    func testNativeRateStreamIsThePlainMix() throws {
        let path = try writeStereo(seconds: 2.1, rate: 16000)
        let whole = try AudioDecoder(sampleRate: 16000, blockFrames: 1 << 20).decode(path: path)
        let (samples, reads) = try stream(path, blockFrames: 300)
        XCTAssertTrue(samples == whole.samples)
        XCTAssertEqual(samples.count, 33600)
        XCTAssertGreaterThan(reads.count, 100)
    }

    func testStreamReportsFactsAndErrors() throws {
        let path = try writeStereo(seconds: 1.5)
        let s = try AudioDecoder(sampleRate: 16000, blockFrames: 4096).stream(path: path)
        var out: [Float] = []
        while try s.read(into: &out) {}
        XCTAssertEqual(s.source.frames, 66150)
        XCTAssertEqual(s.source.channels, 2)
        XCTAssertEqual(out.count, 24000)
        XCTAssertFalse(try s.read(into: &out))              // finished: nothing more
        XCTAssertEqual(out.count, 24000)
        XCTAssertThrowsError(try AudioDecoder().stream(path: "/nonexistent/x.wav"))
    }
}
