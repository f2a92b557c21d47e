import Foundation
import GenreKitAudio
import GenreKitDSP

/// Reads raw PCM (or a PCM WAV file) from a file descriptor as it arrives and returns it as mono 16 kHz blocks
/// (``PCMChunkDecoder``: channels averaged, resampled with the decoder's streaming libsoxr when the rate differs).
/// Each ``next()`` returns after one `read(2)`, so a block is handed on as soon as the pipe delivers it.
public final class PCMStreamReader {
    public var layout: PCMLayout { decoder.layout }
    let fd: Int32
    /// Seconds to keep polling at end of file for a growing recording (0: end at end of file).
    let follow: Double
    private let decoder: PCMChunkDecoder
    private var ended = false

    /// - Parameters:
    ///   - wavHeader: parse a RIFF/WAVE header first (PCM 16-bit or float 32-bit) and take the layout from it.
    public init(fd: Int32, layout: PCMLayout, wavHeader: Bool = false, follow: Double = 0) throws {
        self.fd = fd
        self.follow = follow
        decoder = try PCMChunkDecoder(layout: layout, wavHeader: wavHeader)
    }

    /// The next block of mono 16 kHz samples (possibly empty while a header or a partial frame is pending), or nil at
    /// the end of the stream (after the resampler's tail).
    public func next() throws -> [Float]? {
        if ended { return nil }
        var chunk = [UInt8](repeating: 0, count: 1 << 14)
        var n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n == 0 && follow > 0 {
            let deadline = Date().addingTimeInterval(follow)
            while n == 0 && Date() < deadline {
                usleep(20_000)
                n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            }
        }
        if n < 0 { throw StreamReadError.readFailed(errno: errno) }
        if n == 0 {
            ended = true
            return try decoder.finish()
        }
        return try chunk.withUnsafeBytes { try decoder.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }
}

/// Why a stream could not be read.
public enum StreamReadError: Error, CustomStringConvertible, Equatable {
    case readFailed(errno: Int32)
    case notPCMWAV(String)
    case badLayout(String)

    public var description: String {
        switch self {
        case .readFailed(let e): return "reading the stream failed: \(String(cString: strerror(e)))"
        case .notPCMWAV(let why): return "not a PCM WAV stream (\(why)); give raw PCM with --pcm f32le|s16le --rate HZ --channels N"
        case .badLayout(let what): return "cannot read PCM of \(what); give a positive rate and at least one channel"
        }
    }
}

/// The fields of a RIFF/WAVE header a stream needs.
enum WAVHeader {
    /// The layout and the offset of the `data` chunk's first byte, or nil when more bytes are needed.
    static func parse(_ b: [UInt8]) throws -> (PCMLayout, Int)? {
        func u32(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 | Int(b[i + 3]) << 24 }
        func u16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        guard b.count >= 12 else { return nil }
        guard String(decoding: b[0..<4], as: UTF8.self) == "RIFF", String(decoding: b[8..<12], as: UTF8.self) == "WAVE" else {
            throw StreamReadError.notPCMWAV("no RIFF/WAVE header")
        }
        var at = 12
        var layout: PCMLayout?
        while at + 8 <= b.count {
            let id = String(decoding: b[at..<(at + 4)], as: UTF8.self), size = u32(at + 4)
            if id == "data" {
                guard let layout else { throw StreamReadError.notPCMWAV("data before fmt") }
                return (layout, at + 8)
            }
            guard at + 8 + size <= b.count else { return nil }
            if id == "fmt " {
                var format = u16(at + 8)
                let channels = u16(at + 10), rate = u32(at + 12), bits = u16(at + 22)
                if format == 0xFFFE && size >= 26 { format = u16(at + 32) }   // WAVE_FORMAT_EXTENSIBLE: the sub-format
                switch (format, bits) {
                case (1, 16): layout = PCMLayout(encoding: .s16le, sampleRate: rate, channels: channels)
                case (3, 32): layout = PCMLayout(encoding: .f32le, sampleRate: rate, channels: channels)
                default: throw StreamReadError.notPCMWAV("format \(format), \(bits) bits")
                }
                guard channels >= 1, rate > 0 else { throw StreamReadError.notPCMWAV("\(channels) channels at \(rate) Hz") }
            }
            at += 8 + size + (size & 1)
        }
        return nil
    }
}
