import Foundation

/// An audio file decoded block by block: mono float samples at the decoder's rate, handed out as they are ready,
/// so a file of any length is decoded in bounded memory (``AudioDecoder/stream(path:)``).
///
/// The concatenation of every block ``read(into:)`` appends is exactly ``AudioDecoder/decode(path:)``'s samples
/// (that function is this stream, collected): the same mix, the same libsoxr stream (whose output does not depend on
/// how its input is blocked), the same final length `ceil(n · sr_out / sr_in)`. To fix that length without holding
/// the file, a sample is handed out only once it is certain to be kept: at most `ceil(decoded · sr_out / sr_in)`
/// samples before the end, a bound the final length can only exceed; the rest (the resampler's last few samples,
/// trimmed or zero-padded) comes with the end.
public final class AudioStream {
    /// The file's path as given.
    public let path: String
    /// Rate of the samples in Hz.
    public let sampleRate: Int
    /// Facts of the source; `frames` is the count decoded so far (all of them once ``isFinished``).
    public private(set) var source: AudioFileInfo
    /// The one-line warning of a stream that ended early in a decoder error (set at the end; also sent to the
    /// decoder's `onWarning`).
    public private(set) var warning: String?
    /// True once the last samples were handed out.
    public private(set) var isFinished = false
    /// Samples handed out so far.
    public private(set) var emitted = 0

    private let decoder: AudioDecoder
    private let input: AudioSource
    private let resampler: Resampler?
    private let readAhead: AudioReadAhead?
    private let blockFrames: Int
    private var interleaved: [Float]
    private var mono: [Float]
    private var pending: [Float] = []      // resampled, not yet certain to be kept
    private var decoded = 0

    init(decoder: AudioDecoder, source: AudioSource, path: String) throws(AudioError) {
        self.decoder = decoder
        self.input = source
        self.path = path
        var info = source.fileInfo
        let channels = info.channels
        guard channels > 0, info.sampleRate > 0 else { throw source.noFramesError(path: path) }
        let outRate = decoder.sampleRate ?? info.sampleRate
        sampleRate = outRate
        do {
            resampler = outRate == info.sampleRate ? nil
                : try Resampler(inputRate: Double(info.sampleRate), outputRate: Double(outRate))
        } catch { throw .resampleFailed(path: path, reason: error.description) }
        // The block buffer is bounded whatever the channel count a header claims (at most 4 MB).
        blockFrames = max(256, min(decoder.blockFrames, (1 << 20) / channels))
        // With read-ahead the decoding thread holds the block buffers.
        let ahead = decoder.readAhead
        interleaved = ahead ? [] : [Float](repeating: 0, count: blockFrames * channels)
        mono = ahead ? [] : [Float](repeating: 0, count: blockFrames)
        readAhead = ahead ? AudioReadAhead(source: source, channels: channels, blockFrames: blockFrames) : nil
        info.frames = 0
        self.source = info
    }

    deinit { readAhead?.cancel() }

    /// The container's length as a capacity hint for collecting the whole output, when it is plausible: at most 4
    /// output samples (16 bytes) per byte of file, so a lying header costs nothing.
    var expectedOutputCount: Int? {
        guard input.lengthIsKnown, input.fileInfo.frames > 0 else { return nil }
        let expected = Double(input.fileInfo.frames) * Double(sampleRate) / Double(input.fileInfo.sampleRate)
        let cap = Double(max(1 << 16, 4 * AudioDecoder.fileSize(path)))
        return expected <= cap ? Int(expected.rounded(.up)) + 16 : nil
    }

    /// Decodes the next block and appends the samples now certain (possibly none) to `output`; returns false once
    /// the stream is over (the last samples were appended by that call). Throws as ``AudioDecoder/decode(path:)``.
    @discardableResult
    public func read(into output: inout [Float]) throws(AudioError) -> Bool {
        if isFinished { return false }
        let channels = source.channels
        if let readAhead {
            if let block = try readAhead.next() {
                try take(block.mono, count: block.mono.count, into: &output)
                if !block.isLast { return true }
            }
        } else {
            let n = try interleaved.withUnsafeMutableBufferPointer { b throws(AudioError) in try input.read(into: b.baseAddress!, frames: blockFrames) }
            if n > 0 {
                interleaved.withUnsafeBufferPointer { src in
                    mono.withUnsafeMutableBufferPointer { dst in
                        AudioDecoder.mixToMono(src.baseAddress!, channels: channels, frames: n, into: dst.baseAddress!)
                    }
                }
                try take(mono, count: n, into: &output)
                if !(n < blockFrames && input.shortReadMeansEnd) { return true }
            }
        }
        try end(into: &output)
        return false
    }

    /// The first `n` samples of `mono`, the next decoded block mixed to mono: checked, resampled, and handed out as
    /// far as the final length certainly keeps them.
    private func take(_ mono: [Float], count n: Int, into output: inout [Float]) throws(AudioError) {
        let inRate = source.sampleRate
        if let bad = AudioDecoder.firstNonFinite(mono, count: n) {
            throw .nonFiniteSamples(path: path, seconds: Double(decoded + bad) / Double(inRate))
        }
        decoded += n
        source.frames = decoded
        if let resampler {
            do { try mono.withUnsafeBufferPointer { try resampler.process(UnsafeBufferPointer(rebasing: $0[0..<n]), into: &pending) } }
            catch let e as AudioError { throw AudioStream.relabel(e, path) }
            catch { throw .resampleFailed(path: path, reason: "\(error)") }
            // Hand out what the final length certainly keeps: ceil(decoded·r) only grows with `decoded`.
            let sure = Resampler.expectedLength(inputCount: decoded, inputRate: Double(inRate), outputRate: Double(sampleRate))
            try release(min(pending.count, sure - emitted), into: &output)
        } else {
            output.append(contentsOf: mono[0..<n])
            emitted += n
        }
    }

    /// Hands out the first `count` pending samples, refusing non-finite ones (finite samples near float's limit,
    /// from a damaged float file, overflow in the resampler's filter).
    private func release(_ count: Int, into output: inout [Float]) throws(AudioError) {
        guard count > 0 else { return }
        if let bad = AudioDecoder.firstNonFinite(pending, count: count) {
            throw .nonFiniteSamples(path: path, seconds: Double(emitted + bad) / Double(sampleRate))
        }
        output.append(contentsOf: pending[0..<count])
        pending.removeFirst(count)
        emitted += count
    }

    private func end(into output: inout [Float]) throws(AudioError) {
        isFinished = true
        let problem = input.endProblem(decoded: decoded)
        if decoded == 0 {
            if let problem { throw problem.error(path: path) }
            throw input.noFramesError(path: path)
        }
        if let problem {
            if decoder.strict { throw problem.error(path: path) }
            let seconds = String(format: "%.2f", Double(decoded) / Double(source.sampleRate))
            warning = "\(path): the audio stream ends early in a decoder error (\(problem.reason)); kept the \(seconds) s that decoded"
                + " (re-copy or re-download it; --strict or GENREKIT_STRICT=1 refuses such files)"
        }
        if let resampler {
            do { try resampler.finish(into: &pending) } catch { throw AudioStream.relabel(error, path) }
            let n = Resampler.expectedLength(inputCount: decoded, inputRate: Double(source.sampleRate), outputRate: Double(sampleRate))
            let missing = n - emitted - pending.count
            if missing < 0 { pending.removeLast(-missing) } else { pending.append(contentsOf: repeatElement(0, count: missing)) }
            try release(pending.count, into: &output)
        }
        if let warning { decoder.onWarning?(warning) }
    }

    private static func relabel(_ e: AudioError, _ path: String) -> AudioError {
        if case .resampleFailed(_, let r) = e { return .resampleFailed(path: path, reason: r) }
        return e
    }
}
