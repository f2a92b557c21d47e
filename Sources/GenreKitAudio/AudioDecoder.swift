/// Reads an audio file as mono float samples at a chosen rate, the way `librosa.load(path, sr=rate)` does.
///
/// Steps, each matching librosa 0.11 on soundfile/soxr:
/// 1. decode with libsndfile to float32 (WAV, FLAC, OGG/Vorbis, MP3, AIFF, ...);
/// 2. mix to mono: `y = (x₀ + x₁ + … + x_{C−1}) / C` in float32;
/// 3. resample with libsoxr `SOXR_HQ` when the rate differs;
/// 4. fix the length to `ceil(n · sr_out / sr_in)` (zero-padding or trimming the tail).
///
/// The file is read in blocks of ``blockFrames`` so memory stays bounded by the output buffer.
public struct AudioDecoder: Sendable {
    /// Output rate in Hz; `nil` keeps the file's native rate.
    public var sampleRate: Int?
    /// Frames read from the file per block.
    public var blockFrames: Int

    public init(sampleRate: Int? = 16000, blockFrames: Int = 1 << 16) {
        self.sampleRate = sampleRate
        self.blockFrames = max(256, blockFrames)
    }

    /// The container's facts, without decoding the audio.
    public static func info(path: String) throws(AudioError) -> AudioFileInfo {
        try SoundFile(path: path).fileInfo
    }

    /// Decodes the whole file. Throws ``AudioError`` for missing, empty, unreadable, truncated or frameless files.
    public func decode(path: String) throws(AudioError) -> DecodedAudio {
        let file = try SoundFile(path: path)
        let info = file.fileInfo
        let channels = info.channels
        let outRate = sampleRate ?? info.sampleRate
        if let r = sampleRate, r <= 0 { throw .invalidParameter("sample rate must be positive (got \(r))") }

        let resampler: Resampler?
        do {
            resampler = outRate == info.sampleRate ? nil
                : try Resampler(inputRate: Double(info.sampleRate), outputRate: Double(outRate))
        } catch { throw .resampleFailed(path: path, reason: error.description) }

        var output: [Float] = []
        if info.frames > 0 {
            let expected = Double(info.frames) * Double(outRate) / Double(info.sampleRate)
            output.reserveCapacity(Int(expected.rounded(.up)) + 16)
        }
        var interleaved = [Float](repeating: 0, count: blockFrames * channels)
        var mono = [Float](repeating: 0, count: blockFrames)
        var decoded = 0
        while true {
            let n = interleaved.withUnsafeMutableBufferPointer { file.readFrames(into: $0.baseAddress!, frames: blockFrames) }
            if n <= 0 { break }
            decoded += n
            interleaved.withUnsafeBufferPointer { src in
                mono.withUnsafeMutableBufferPointer { dst in
                    AudioDecoder.mixToMono(src.baseAddress!, channels: channels, frames: n, into: dst.baseAddress!)
                }
            }
            if let resampler {
                do { try mono.withUnsafeBufferPointer { try resampler.process(UnsafeBufferPointer(rebasing: $0[0..<n]), into: &output) } }
                catch let e as AudioError { throw AudioDecoder.relabel(e, path) }
                catch { throw .resampleFailed(path: path, reason: "\(error)") }
            } else {
                output.append(contentsOf: mono[0..<n])
            }
            if n < blockFrames { break }
        }
        if let reason = file.pendingError, decoded == 0 { throw .decodeFailed(path: path, reason: reason) }
        if decoded == 0 { throw .noAudioFrames(path: path) }
        if info.frames > 0, decoded < info.frames, info.frames - decoded > AudioDecoder.truncationSlack(info) {
            throw .truncated(path: path, expectedFrames: info.frames, decodedFrames: decoded)
        }
        if let resampler {
            do { try resampler.finish(into: &output) } catch { throw AudioDecoder.relabel(error, path) }
            let n = Resampler.expectedLength(inputCount: decoded, inputRate: Double(info.sampleRate), outputRate: Double(outRate))
            if output.count > n { output.removeLast(output.count - n) }
            else if output.count < n { output.append(contentsOf: repeatElement(0, count: n - output.count)) }
        }
        return DecodedAudio(samples: output, sampleRate: outRate, source: info)
    }

    /// Average of the channels of interleaved frames, summed in channel order then divided by C (numpy's `mean(axis=0)`).
    @inline(__always)
    static func mixToMono(_ src: UnsafePointer<Float>, channels c: Int, frames n: Int, into dst: UnsafeMutablePointer<Float>) {
        if c == 1 { dst.update(from: src, count: n); return }
        let fc = Float(c)
        for i in 0..<n {
            var acc = src[i * c]
            for k in 1..<c { acc += src[i * c + k] }
            dst[i] = acc / fc
        }
    }

    /// How many announced frames may be missing before a stream counts as truncated. MP3 frame counts
    /// are estimates when the file has no Xing/LAME header, so allow one MPEG frame (1152 samples) there.
    static func truncationSlack(_ info: AudioFileInfo) -> Int {
        info.format == "MP3" ? 1152 : 0
    }

    private static func relabel(_ e: AudioError, _ path: String) -> AudioError {
        if case .resampleFailed(_, let r) = e { return .resampleFailed(path: path, reason: r) }
        return e
    }
}
