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
    /// Whether a ``stream(path:)`` decodes on a thread of its own, a few blocks ahead of its reader, so decoding
    /// overlaps what the reader does with the samples (resampling happens on the reader's thread). Changes no value;
    /// worth it when another core is free (``AudioReadAhead``).
    public var readAhead = false

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
    /// The samples are those of ``stream(path:)``, collected.
    public func decode(path: String) throws(AudioError) -> DecodedAudio {
        let stream = try stream(path: path)
        var output: [Float] = []
        if let hint = stream.expectedOutputCount { output.reserveCapacity(hint) }
        while try stream.read(into: &output) {}
        return DecodedAudio(samples: output, sampleRate: stream.sampleRate, source: stream.source, warning: stream.warning)
    }

    /// Opens `path` for decoding block by block in bounded memory (``AudioStream``); the samples are exactly
    /// ``decode(path:)``'s. Throws the errors of opening here, the others from ``AudioStream/read(into:)``.
    public func stream(path: String) throws(AudioError) -> AudioStream {
        if let r = sampleRate, r <= 0 { throw .invalidParameter("sample rate must be positive (got \(r))") }
        return try AudioStream(decoder: self, source: try chooseSource(path: path), path: path)
    }

    /// The decoder a file is read with. An MP3 without a Xing/Info/VBRI header: libsndfile's length is libmpg123's
    /// estimate from the first frame's bitrate, and libsndfile stops there. When it stops exactly there while the
    /// stream goes on (a demux-only count first, so the usual case — the estimate was right — costs nothing more),
    /// the file is read with FFmpeg, when FFmpeg decodes it longer. Both are counted by decoding, nothing kept.
    private func chooseSource(path: String) throws(AudioError) -> AudioSource {
        let source = try AudioDecoder.open(path: path)
        guard case .sndfile(let f) = source, f.fileInfo.format == "MP3", !f.lengthIsStated,
              let count = FFmpegFile.demuxedFrames(path: path), count > f.fileInfo.frames + 2 * 1152 else { return source }
        let estimate = f.fileInfo.frames
        guard let sndfileFrames = try? countFrames(source, path: path), sndfileFrames == estimate,
              let whole = try? FFmpegFile(path: path), let ffmpegFrames = try? countFrames(.ffmpeg(whole), path: path),
              ffmpegFrames > sndfileFrames + 1152, let again = try? FFmpegFile(path: path) else {
            return (try? SoundFile(path: path)).map { AudioSource.sndfile($0) } ?? source
        }
        return .ffmpeg(again)
    }

    /// Frames `source` decodes to (as a stream reads them), consuming it; throws what a strict decode would.
    private func countFrames(_ source: AudioSource, path: String) throws(AudioError) -> Int {
        let channels = max(1, source.fileInfo.channels)
        let block = max(256, min(blockFrames, (1 << 20) / channels))
        var buffer = [Float](repeating: 0, count: block * channels)
        var n = 0
        while true {
            let got = try buffer.withUnsafeMutableBufferPointer { b throws(AudioError) in try source.read(into: b.baseAddress!, frames: block) }
            if got <= 0 { break }
            n += got
            if got < block, source.shortReadMeansEnd { break }
        }
        if let problem = source.endProblem(decoded: n), strict { throw problem.error(path: path) }
        return n
    }

    /// Opens `path` with libsndfile, or with FFmpeg when libsndfile cannot open it (what librosa does); FFmpeg's
    /// libraries are loaded then (`ffmpeg`, by default the process's ``FFmpegLibrary/shared``), not before.
    static func open(path: String, ffmpeg: @autoclosure () -> Result<FFmpegLibrary, FFmpegUnavailable> = FFmpegLibrary.shared)
        throws(AudioError) -> AudioSource {
        let sndfileError: AudioError
        do { return .sndfile(try SoundFile(path: path)) } catch {
            switch error {
            case .damaged, .unsupportedFormat: sndfileError = error
            default: throw error
            }
        }
        do {
            return .ffmpeg(try FFmpegFile(path: path, library: ffmpeg()))
        } catch {
            if error.unavailable {
                // Without FFmpeg, a damaged file in a container libsndfile reads (WAV, FLAC, Ogg, MP3, AIFF, RF64) keeps
                // its own diagnosis; anything else (M4A, WMA, WebM, ... or unknown) may need FFmpeg: say what to install.
                let ffmpegOnly = ["MP4", "WMA", "Matroska", "WavPack", "APE", "AAC"]
                if case .damaged = sndfileError, let c = SoundFile.sniffContainer(path: path),
                   !ffmpegOnly.contains(where: { c.contains($0) }) { throw sndfileError }
                throw .decoderMissing(path: path, reason: error.reason)
            }
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
            guard count > 0, let base = p.baseAddress else { return nil }
            // Branch-free scan first (x − x is 0 for finite x, NaN otherwise, and a NaN stays in any sum), sixteen
            // lanes at a time; locate only when needed.
            var lanes = SIMD16<Float>(repeating: 0)
            var i = 0
            let raw = UnsafeRawPointer(base)
            while i + 16 <= count {
                let v = raw.loadUnaligned(fromByteOffset: i * MemoryLayout<Float>.stride, as: SIMD16<Float>.self)
                lanes += v - v
                i += 16
            }
            var acc = lanes.sum()
            while i < count { acc += base[i] - base[i]; i += 1 }
            if acc == 0 { return nil }
            return (0..<count).first { !base[$0].isFinite }
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
        if c == 2 {
            // The same two operations per frame as below, in a loop the compiler vectorises.
            for i in 0..<n { dst[i] = (src[2 * i] + src[2 * i + 1]) / fc }
            return
        }
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
