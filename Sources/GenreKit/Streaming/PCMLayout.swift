import Foundation

/// The layout of raw PCM on a stream (`genrekit stream --pcm f32le --rate 16000 --channels 1`).
public struct PCMLayout: Sendable, Equatable {
    /// Sample encoding: little-endian float32, or little-endian signed 16-bit scaled by 1/32768 (as FFmpeg's
    /// `s16le` and libsndfile read it).
    public enum Encoding: String, Sendable, CaseIterable { case f32le, s16le }

    public var encoding: Encoding
    public var sampleRate: Int
    public var channels: Int

    public init(encoding: Encoding = .f32le, sampleRate: Int = 16000, channels: Int = 1) {
        self.encoding = encoding; self.sampleRate = sampleRate; self.channels = channels
    }

    /// Bytes of one frame (all channels).
    public var frameBytes: Int { channels * (encoding == .f32le ? 4 : 2) }

    /// Whole frames of `bytes` as mono samples: channels averaged as the audio decoder does (`Σ x_c / C`, summed
    /// in channel order in float32). A trailing partial frame is not consumed; the count of bytes used is returned.
    public func monoSamples(_ bytes: UnsafeRawBufferPointer) -> (samples: [Float], consumed: Int) {
        let frames = bytes.count / frameBytes
        var out = [Float](repeating: 0, count: frames)
        let c = channels, fc = Float(channels)
        for i in 0..<frames {
            var acc: Float = 0
            for k in 0..<c {
                let at = i * frameBytes + k * (encoding == .f32le ? 4 : 2)
                let v: Float
                switch encoding {
                case .f32le: v = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                case .s16le: v = Float(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int16.self))) / 32768
                }
                acc = k == 0 ? v : acc + v
            }
            out[i] = c == 1 ? acc : acc / fc
        }
        return (out, frames * frameBytes)
    }
}
