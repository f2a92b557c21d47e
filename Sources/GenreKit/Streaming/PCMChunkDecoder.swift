import Foundation
import GenreKitAudio
import GenreKitDSP

/// Turns raw PCM bytes (or a PCM WAV stream), handed in chunks of any size, into mono 16 kHz samples: channels
/// averaged (``PCMLayout/monoSamples(_:)``), resampled with the decoder's streaming libsoxr (``Resampler``, equal to
/// the one-shot conversion of the whole signal) when the rate differs, the decoder's length rule `⌈n · 16000 / rate⌉`
/// applied at ``finish()``. A partial frame at a chunk's end waits for the next chunk, so the split points do not
/// change the samples. Used by ``PCMStreamReader`` (a file descriptor) and the server's WebSocket stream (messages).
public final class PCMChunkDecoder {
    public private(set) var layout: PCMLayout
    private var pending: [UInt8] = []
    private var resampler: Resampler?
    private var headerParsed: Bool
    private var inputFrames = 0
    private var outputCount = 0
    private var finished = false

    /// - Parameters:
    ///   - wavHeader: parse a RIFF/WAVE header first (PCM 16-bit or float 32-bit) and take the layout from it.
    /// - Throws: ``StreamReadError/badLayout(_:)`` for a rate or channel count that cannot be read.
    public init(layout: PCMLayout, wavHeader: Bool = false) throws {
        self.layout = layout
        headerParsed = !wavHeader
        if headerParsed { try setUpResampler() }
    }

    /// Bytes held back (a partial frame, or a WAV header still incomplete).
    public var pendingBytes: Int { pending.count }

    private func setUpResampler() throws {
        guard layout.sampleRate > 0, layout.channels >= 1 else {
            throw StreamReadError.badLayout("\(layout.channels) channels at \(layout.sampleRate) Hz")
        }
        let target = MusicnnInput.sampleRate
        resampler = layout.sampleRate == target ? nil : try Resampler(inputRate: Double(layout.sampleRate), outputRate: Double(target))
    }

    /// The mono 16 kHz samples the whole frames of `bytes` (after any bytes held back) give; possibly empty.
    public func append(_ bytes: UnsafeRawBufferPointer) throws -> [Float] {
        precondition(!finished, "PCMChunkDecoder.append after finish")
        pending += bytes
        if !headerParsed {
            guard let (parsed, dataOffset) = try WAVHeader.parse(pending) else { return [] }
            layout = parsed
            pending.removeFirst(dataOffset)
            headerParsed = true
            try setUpResampler()
        }
        let (mono, used) = pending.withUnsafeBytes { layout.monoSamples($0) }
        pending.removeFirst(used)
        inputFrames += mono.count
        guard let resampler else { outputCount += mono.count; return mono }
        var out: [Float] = []
        try mono.withUnsafeBufferPointer { try resampler.process($0, into: &out) }
        outputCount += out.count
        return out
    }

    /// The stream has ended: the resampler's tail, trimmed or padded so the whole stream has the decoder's length.
    /// A trailing partial frame is dropped.
    public func finish() throws -> [Float] {
        guard !finished else { return [] }
        finished = true
        var tail: [Float] = []
        guard let resampler else { return tail }
        try resampler.finish(into: &tail)
        // The decoder's length rule: ⌈n · out / in⌉ samples in all.
        let expected = Resampler.expectedLength(inputCount: inputFrames, inputRate: Double(layout.sampleRate),
                                                outputRate: Double(MusicnnInput.sampleRate))
        let have = outputCount + tail.count
        if have > expected { tail.removeLast(min(tail.count, have - expected)) }
        else if have < expected { tail += [Float](repeating: 0, count: expected - have) }
        return tail
    }
}
