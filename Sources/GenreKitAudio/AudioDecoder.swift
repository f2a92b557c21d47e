import CSndFile
import Foundation

/// Reads an audio file as mono float samples at a chosen rate, the way `librosa.load(path, sr=rate)` does.
///
/// Two decoders, one contract, chosen as librosa chooses:
/// - **libsndfile** for every file it can open (WAV, FLAC, OGG/Vorbis/Opus, MP3, AIFF, RF64, ...): float32 samples,
///   exactly librosa's soundfile path;
/// - **FFmpeg** for the rest (M4A/AAC/ALAC, ADTS, WMA, WavPack, APE, Matroska/WebM, Ogg-FLAC, ...), as librosa's
///   audioread fallback reads them (`ffmpeg -i FILE -f s16le -`): 16-bit PCM at the file's own rate and channel
///   count, scaled by 1/32768.
///
/// Then, for both:
/// 1. mix to mono: `y = (x₀ + x₁ + … + x_{C−1}) / C` in float32;
/// 2. resample with libsoxr `SOXR_HQ` when the rate differs;
/// 3. fix the length to `ceil(n · sr_out / sr_in)` (zero-padding or trimming the tail).
///
/// The file is read in blocks of ``blockFrames`` until the stream ends; no buffer is sized from a header field (the
/// container's length is at most a capacity hint, capped by the file's size).
/// A stream that ends early in a decoder error is kept as far as it decoded, with one warning line (``onWarning``);
/// ``strict`` makes that an error. NaN or infinite samples are refused (``AudioError/nonFiniteSamples(path:seconds:)``).
public struct AudioDecoder: Sendable {
    /// Output rate in Hz; `nil` keeps the file's native rate.
    public var sampleRate: Int?
    /// Frames read from the file per block.
    public var blockFrames: Int
    /// Refuse a stream that ends early in a decoder error instead of keeping what decoded. Defaults to the
    /// environment variable `GENREKIT_STRICT=1`.
    public var strict: Bool
    /// Where the one-line warning for a stream kept as far as it decoded goes; standard error by default.
    public var onWarning: (@Sendable (String) -> Void)?

    /// Whether `GENREKIT_STRICT=1` is set.
    public static var strictFromEnvironment: Bool { ProcessInfo.processInfo.environment["GENREKIT_STRICT"] == "1" }

    public init(sampleRate: Int? = 16000, blockFrames: Int = 1 << 16, strict: Bool = AudioDecoder.strictFromEnvironment,
                onWarning: (@Sendable (String) -> Void)? = AudioDecoder.printWarning) {
        self.sampleRate = sampleRate
        self.blockFrames = max(256, blockFrames)
        self.strict = strict
        self.onWarning = onWarning
    }

    /// Writes `message` as one line on standard error.
    public static let printWarning: @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data(("warning: " + message + "\n").utf8))
    }

    /// The container's facts, without decoding the audio — except when the container does not state its length:
    /// then the frames are counted by decoding (in blocks, nothing kept).
    public static func info(path: String) throws(AudioError) -> AudioFileInfo {
        let source = try open(path: path)
        var info = source.fileInfo
        if !source.lengthIsKnown {
            let block = max(256, (1 << 20) / max(1, info.channels))
            var buffer = [Float](repeating: 0, count: block * max(1, info.channels))
            var n = 0
            while true {
                let got = try buffer.withUnsafeMutableBufferPointer { b throws(AudioError) in try source.read(into: b.baseAddress!, frames: block) }
                if got <= 0 { break }
                n += got
            }
            info.frames = n
        } else if case .sndfile(let f) = source, info.format == "MP3", !f.lengthIsStated,
                  let count = FFmpegFile.demuxedFrames(path: path) {
            // No Xing/Info/VBRI header: libsndfile's count is an estimate; count the frames instead. When the estimate
            // is short, decode(path:) reads the stream through FFmpeg, so say so.
            if count > info.frames + 2 * 1152, let whole = try? FFmpegFile(path: path) {
                info = whole.fileInfo
            }
            info.frames = count
        }
        return info
    }

    /// Decodes the whole file. Throws ``AudioError`` for missing, empty, unreadable, damaged, frameless or
    /// non-finite files (and, when ``strict``, for streams that end early in a decoder error).
    public func decode(path: String) throws(AudioError) -> DecodedAudio {
        if let r = sampleRate, r <= 0 { throw .invalidParameter("sample rate must be positive (got \(r))") }
        let source = try AudioDecoder.open(path: path)
        var result = try decode(source, path: path)
        // An MP3 without a Xing/Info/VBRI header: libsndfile's length is libmpg123's estimate from the first frame's
        // bitrate, and libsndfile stops there. When it stopped exactly there, the stream may go on: read it whole
        // with FFmpeg and keep that when it is longer.
        // (A demux-only count first, so the usual case — the estimate was right — costs no second decode.)
        if case .sndfile(let f) = source, f.fileInfo.format == "MP3", result.source.frames == f.fileInfo.frames, !f.lengthIsStated,
           let count = FFmpegFile.demuxedFrames(path: path), count > result.source.frames + 2 * 1152,
           let whole = try? FFmpegFile(path: path), let longer = try? decode(.ffmpeg(whole), path: path),
           longer.source.frames > result.source.frames + 1152 {
            result = longer
        }
        if let w = result.warning { onWarning?(w) }
        return result
    }

    private func decode(_ source: AudioSource, path: String) throws(AudioError) -> DecodedAudio {
        var info = source.fileInfo
        let channels = info.channels
        guard channels > 0, info.sampleRate > 0 else { throw source.noFramesError(path: path) }
        let outRate = sampleRate ?? info.sampleRate

        let resampler: Resampler?
        do {
            resampler = outRate == info.sampleRate ? nil
                : try Resampler(inputRate: Double(info.sampleRate), outputRate: Double(outRate))
        } catch { throw .resampleFailed(path: path, reason: error.description) }

        var output: [Float] = []
        // The container's length is only a capacity hint, and one that cannot exceed 4 output samples (16 bytes) per
        // byte of file, so a lying header costs nothing; an honest one spares the growth copies of a long file.
        if source.lengthIsKnown, info.frames > 0 {
            let expected = Double(info.frames) * Double(outRate) / Double(info.sampleRate)
            let cap = Double(max(1 << 16, 4 * AudioDecoder.fileSize(path)))
            if expected <= cap { output.reserveCapacity(Int(expected.rounded(.up)) + 16) }
        }
        // The block buffer is bounded whatever the channel count a header claims (at most 4 MB).
        let blockFrames = max(256, min(self.blockFrames, (1 << 20) / channels))
        var interleaved = [Float](repeating: 0, count: blockFrames * channels)
        var mono = [Float](repeating: 0, count: blockFrames)
        var decoded = 0
        while true {
            let n = try interleaved.withUnsafeMutableBufferPointer { b throws(AudioError) in try source.read(into: b.baseAddress!, frames: blockFrames) }
            if n <= 0 { break }
            interleaved.withUnsafeBufferPointer { src in
                mono.withUnsafeMutableBufferPointer { dst in
                    AudioDecoder.mixToMono(src.baseAddress!, channels: channels, frames: n, into: dst.baseAddress!)
                }
            }
            if let bad = AudioDecoder.firstNonFinite(mono, count: n) {
                throw .nonFiniteSamples(path: path, seconds: Double(decoded + bad) / Double(info.sampleRate))
            }
            decoded += n
            if let resampler {
                do { try mono.withUnsafeBufferPointer { try resampler.process(UnsafeBufferPointer(rebasing: $0[0..<n]), into: &output) } }
                catch let e as AudioError { throw AudioDecoder.relabel(e, path) }
                catch { throw .resampleFailed(path: path, reason: "\(error)") }
            } else {
                output.append(contentsOf: mono[0..<n])
            }
            if n < blockFrames, source.shortReadMeansEnd { break }
        }
        let problem = source.endProblem(decoded: decoded)
        if decoded == 0 {
            if let problem { throw problem.error(path: path) }
            throw source.noFramesError(path: path)
        }
        var warning: String? = nil
        if let problem {
            if strict { throw problem.error(path: path) }
            let seconds = String(format: "%.2f", Double(decoded) / Double(info.sampleRate))
            warning = "\(path): the audio stream ends early in a decoder error (\(problem.reason)); kept the \(seconds) s that decoded"
                + " (re-copy or re-download it; --strict or GENREKIT_STRICT=1 refuses such files)"
        }
        if let resampler {
            do { try resampler.finish(into: &output) } catch { throw AudioDecoder.relabel(error, path) }
            let n = Resampler.expectedLength(inputCount: decoded, inputRate: Double(info.sampleRate), outputRate: Double(outRate))
            if output.count > n { output.removeLast(output.count - n) }
            else if output.count < n { output.append(contentsOf: repeatElement(0, count: n - output.count)) }
            // Finite samples near float's limit (a damaged float file) overflow in the resampler's filter.
            if let bad = AudioDecoder.firstNonFinite(output, count: output.count) {
                throw .nonFiniteSamples(path: path, seconds: Double(bad) / Double(outRate))
            }
        }
        info.frames = decoded
        return DecodedAudio(samples: output, sampleRate: outRate, source: info, warning: warning)
    }

    /// Opens `path` with libsndfile, or with FFmpeg when libsndfile cannot open it (what librosa does).
    static func open(path: String) throws(AudioError) -> AudioSource {
        let sndfileError: AudioError
        do { return .sndfile(try SoundFile(path: path)) } catch {
            switch error {
            case .damaged, .unsupportedFormat: sndfileError = error
            default: throw error
            }
        }
        do {
            return .ffmpeg(try FFmpegFile(path: path))
        } catch {
            if case .unsupportedFormat = sndfileError, !error.recognised { throw sndfileError }
            if error.noAudioStream { throw .noAudioFrames(path: path) }
            let what = SoundFile.sniffContainer(path: path).map { "starts like \($0) but " } ?? ""
            throw .damaged(path: path, reason: "\(what)neither libsndfile nor FFmpeg can read it: \(AudioDecoder.oneLine(error.reason))")
        }
    }

    static func fileSize(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Index of the first NaN or infinity among the first `count` samples.
    @inline(__always)
    static func firstNonFinite(_ x: [Float], count: Int) -> Int? {
        x.withUnsafeBufferPointer { p in
            // Branch-free scan first (x − x is 0 for finite x, NaN otherwise); locate only when needed.
            var acc: Float = 0
            for i in 0..<count { acc += p[i] - p[i] }
            if acc == 0 { return nil }
            return (0..<count).first { !p[$0].isFinite }
        }
    }

    static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "; ")
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

    /// How many stated frames may be missing before a stream counts as cut short: one MPEG frame (1152 samples)
    /// for MP3 (encoder delay and padding), none for the others.
    static func truncationSlack(_ info: AudioFileInfo) -> Int {
        info.format == "MP3" ? 1152 : 0
    }

    private static func relabel(_ e: AudioError, _ path: String) -> AudioError {
        if case .resampleFailed(_, let r) = e { return .resampleFailed(path: path, reason: r) }
        return e
    }
}

/// Why a stream ended before its end: kept with a warning, or thrown in strict mode.
struct StreamProblem {
    var reason: String
    var stated: Int?
    var decoded: Int
    var ffmpeg: Bool

    func error(path: String) -> AudioError {
        if let stated, decoded > 0, !ffmpeg { return .truncated(path: path, expectedFrames: stated, decodedFrames: decoded) }
        if decoded == 0 { return ffmpeg ? .damaged(path: path, reason: reason) : .decodeFailed(path: path, reason: reason) }
        return .decodeFailed(path: path, reason: reason + " after \(decoded) frames")
    }
}

/// One of the two decoders behind ``AudioDecoder``.
enum AudioSource {
    case sndfile(SoundFile)
    case ffmpeg(FFmpegFile)

    var fileInfo: AudioFileInfo {
        switch self {
        case .sndfile(let f): return f.fileInfo
        case .ffmpeg(let f): return f.fileInfo
        }
    }

    var lengthIsStated: Bool {
        switch self {
        case .sndfile(let f): return f.lengthIsStated
        case .ffmpeg(let f): return f.announcedFrames >= 0
        }
    }

    /// Whether the container gives any frame count at all (an estimate included).
    var lengthIsKnown: Bool {
        switch self {
        case .sndfile(let f): return f.info.frames > 0 && f.info.frames < sf_count_t(Int64.max / 2)
        case .ffmpeg(let f): return f.announcedFrames >= 0
        }
    }

    /// libsndfile returns fewer frames than asked only at the end (kept as before, for its exact numbers).
    var shortReadMeansEnd: Bool {
        if case .sndfile = self { return true }
        return false
    }

    /// Reads up to `frames` interleaved frames; 0 at the end of the stream.
    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws(AudioError) -> Int {
        switch self {
        case .sndfile(let f): return f.readFrames(into: buffer, frames: frames)
        case .ffmpeg(let f):
            do { return try f.readFrames(into: buffer, frames: frames) }
            catch { throw .decodeFailed(path: f.path, reason: AudioDecoder.oneLine(error.reason)) }
        }
    }

    /// The problem the stream ended in, if any, once `decoded` frames were read.
    func endProblem(decoded: Int) -> StreamProblem? {
        switch self {
        case .sndfile(let f):
            let info = f.fileInfo
            // libmpg123's own lines only say more about a stream that did end early; alone they are dropped.
            let mpg = f.notes.isEmpty ? nil
                : "libmpg123: " + f.notes.prefix(3).joined(separator: " / ") + (f.notes.count > 3 ? " (+\(f.notes.count - 3) more)" : "")
            let pending = f.pendingError.map { "libsndfile: \($0)" + (mpg.map { "; " + $0 } ?? "") }
            if f.lengthIsStated, decoded < info.frames, info.frames - decoded > AudioDecoder.truncationSlack(info) {
                return StreamProblem(reason: "\(info.frames) frames stated, \(decoded) decoded" + ((pending ?? mpg).map { "; \($0)" } ?? ""),
                                     stated: info.frames, decoded: decoded, ffmpeg: false)
            }
            if let pending { return StreamProblem(reason: pending, stated: nil, decoded: decoded, ffmpeg: false) }
            return nil
        case .ffmpeg(let f):
            guard let first = f.errors.first else { return nil }
            var reason = "FFmpeg: " + first
            if f.errors.count > 1 { reason += " (and \(f.errors.count - 1) more)" }
            return StreamProblem(reason: AudioDecoder.oneLine(reason), stated: nil, decoded: decoded, ffmpeg: true)
        }
    }

    func noFramesError(path: String) -> AudioError {
        if case .ffmpeg(let f) = self, f.probeScore < 50, SoundFile.sniffContainer(path: path) == nil {
            // FFmpeg guessed a format on weak evidence (e.g. only the file name) and found nothing in it.
            return .unsupportedFormat(path: path, reason: "neither libsndfile nor FFmpeg recognise the content")
        }
        return .noAudioFrames(path: path)
    }
}
