import CFFmpeg
import Foundation

/// An audio file opened with FFmpeg's libraries, decoded the way librosa's fallback reads it: audioread runs
/// `ffmpeg -i FILE -f s16le -`, i.e. the best audio stream decoded to 16-bit PCM at its own rate and channel count,
/// and librosa scales the integers by 1/32768. Frames come out interleaved as float32, in blocks of any size.
///
/// Nothing here is sized from a header field: packets are read until the demuxer reports the end, and converted
/// samples wait in a small FIFO of at most one decoded frame.
final class FFmpegFile {
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var swr: OpaquePointer?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private let streamIndex: Int32
    let path: String
    /// Output channel count and rate: those of the first decoded frame (what `ffmpeg -f s16le` writes).
    private(set) var channels: Int = 0
    private(set) var sampleRate: Int = 0
    private var outLayout = AVChannelLayout()
    /// Input parameters the converter was set up for.
    private var swrInRate: Int32 = 0, swrInFormat: Int32 = -1, swrInLayout = AVChannelLayout()
    private var s16: [Int16] = []
    /// Converted interleaved samples not yet handed out, from `pendingStart`.
    private var pending: [Float] = []
    private var pendingStart = 0
    private var draining = false
    private var finished = false
    /// Read or decode errors met so far (the stream went on after decode errors, as the ffmpeg tool does).
    private(set) var errors: [String] = []
    /// FFmpeg's own log lines (warnings and errors) written while this file was read.
    let log = FFmpegLog.Capture()
    let containerName: String
    let codecName: String
    /// Frames the container announces (an estimate for some formats), or -1.
    let announcedFrames: Int
    let probeScore: Int
    /// The FFmpeg functions (opened on first use, ``FFmpegLibrary``).
    private let ff: FFmpegLibrary

    /// Opens `path` and decodes up to its first audio frame, which fixes the output rate and channel count.
    /// Throws with ``FFmpegOpenError/unavailable`` set when FFmpeg's libraries cannot be loaded.
    init(path: String, library: Result<FFmpegLibrary, FFmpegUnavailable> = FFmpegLibrary.shared) throws(FFmpegOpenError) {
        let ff: FFmpegLibrary
        switch library {
        case .success(let l): ff = l
        case .failure(let e): throw FFmpegOpenError(reason: e.description, unavailable: true)
        }
        self.ff = ff
        FFmpegLog.install(ff)
        self.path = path
        let log = self.log
        var fmt: UnsafeMutablePointer<AVFormatContext>? = nil
        // Local files only: a playlist-like input (HLS, concat, ...) must not make FFmpeg open URLs.
        var options: OpaquePointer? = nil
        _ = ff.av_dict_set(&options, "protocol_whitelist", "file", 0)
        defer { ff.av_dict_free(&options) }
        var r = FFmpegLog.capturing(log) { ff.avformat_open_input(&fmt, path, nil, &options) }
        guard r >= 0, let fmt else { throw FFmpegOpenError(reason: FFmpegFile.describe(ff, r, log)) }
        // FFmpeg's "tty" demuxer reads any text file as ANSI art (a video stream): text is not a recognised medium.
        if String(cString: fmt.pointee.iformat.pointee.name) == "tty" {
            var opened: UnsafeMutablePointer<AVFormatContext>? = fmt
            ff.avformat_close_input(&opened)
            throw FFmpegOpenError(reason: "text, not audio")
        }
        format = fmt
        probeScore = Int(fmt.pointee.probe_score)
        r = FFmpegLog.capturing(log) { ff.avformat_find_stream_info(fmt, nil) }
        let idx = ff.av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, nil, 0)
        guard idx >= 0, let stream = fmt.pointee.streams[Int(idx)] else {
            let name = String(cString: fmt.pointee.iformat.pointee.name)
            ff.avformat_close_input(&format)
            throw FFmpegOpenError(reason: r < 0 ? FFmpegFile.describe(ff, r, log) : "no audio stream in the \(name) container",
                                  recognised: true, noAudioStream: r >= 0)
        }
        streamIndex = idx
        for i in 0..<Int(fmt.pointee.nb_streams) where i != Int(idx) { fmt.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL }
        containerName = String(cString: fmt.pointee.iformat.pointee.name).split(separator: ",").first.map { $0.uppercased() } ?? "?"
        let par = stream.pointee.codecpar!
        codecName = ff.avcodec_get_name(par.pointee.codec_id).map { String(cString: $0).uppercased() } ?? "?"
        var announced = -1
        if stream.pointee.duration > 0, stream.pointee.duration != genrekit_av_nopts(), par.pointee.sample_rate > 0 {
            let tb = stream.pointee.time_base
            announced = Int((Double(stream.pointee.duration) * Double(tb.num) / Double(tb.den) * Double(par.pointee.sample_rate)).rounded())
        }
        announcedFrames = announced
        guard let decoder = ff.avcodec_find_decoder(par.pointee.codec_id) else {
            ff.avformat_close_input(&format)
            throw FFmpegOpenError(reason: "FFmpeg has no decoder for \(codecName)", recognised: true)
        }
        codec = ff.avcodec_alloc_context3(decoder)
        guard let codec, ff.avcodec_parameters_to_context(codec, par) >= 0 else {
            ff.avformat_close_input(&format); ff.avcodec_free_context(&codec)
            throw FFmpegOpenError(reason: "cannot set up the \(codecName) decoder", recognised: true)
        }
        codec.pointee.thread_count = 1
        codec.pointee.pkt_timebase = stream.pointee.time_base
        r = FFmpegLog.capturing(log) { ff.avcodec_open2(codec, decoder, nil) }
        guard r >= 0 else {
            ff.avformat_close_input(&format); ff.avcodec_free_context(&self.codec)
            throw FFmpegOpenError(reason: "cannot open the \(codecName) decoder: \(FFmpegFile.describe(ff, r, log))", recognised: true)
        }
        packet = ff.av_packet_alloc()
        frame = ff.av_frame_alloc()
        // Decode until the first frame, so rate and channels are those the samples have.
        do { try fill() } catch { throw FFmpegOpenError(reason: error.reason, recognised: true) }
        if channels == 0 {
            // No frame at all: keep the container's parameters for the facts.
            channels = Int(par.pointee.ch_layout.nb_channels)
            sampleRate = Int(par.pointee.sample_rate)
        }
    }

    /// The frames of `path`'s best audio stream by demuxing only (the packets' durations summed, nothing decoded):
    /// a quick, exact-enough count for MP3, whose packets are whole frames. `nil` when FFmpeg cannot tell.
    static func demuxedFrames(path: String) -> Int? {
        guard let ff = try? FFmpegLibrary.load() else { return nil }
        FFmpegLog.install(ff)
        let log = FFmpegLog.Capture()
        var fmt: UnsafeMutablePointer<AVFormatContext>? = nil
        var options: OpaquePointer? = nil
        _ = ff.av_dict_set(&options, "protocol_whitelist", "file", 0)
        defer { ff.av_dict_free(&options) }
        guard FFmpegLog.capturing(log, { ff.avformat_open_input(&fmt, path, nil, &options) }) >= 0, let fmt else { return nil }
        var ctx: UnsafeMutablePointer<AVFormatContext>? = fmt
        defer { ff.avformat_close_input(&ctx) }
        guard FFmpegLog.capturing(log, { ff.avformat_find_stream_info(fmt, nil) }) >= 0 else { return nil }
        let idx = FFmpegLog.capturing(log) { ff.av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, nil, 0) }
        guard idx >= 0, let stream = fmt.pointee.streams[Int(idx)], let par = stream.pointee.codecpar, par.pointee.sample_rate > 0 else { return nil }
        let tb = stream.pointee.time_base
        guard tb.num > 0, tb.den > 0 else { return nil }
        guard let pkt = ff.av_packet_alloc() else { return nil }
        defer { var p: UnsafeMutablePointer<AVPacket>? = pkt; ff.av_packet_free(&p) }
        var ticks: Int64 = 0
        while FFmpegLog.capturing(log, { ff.av_read_frame(fmt, pkt) }) >= 0 {
            if pkt.pointee.stream_index == idx, pkt.pointee.duration > 0 { ticks += pkt.pointee.duration }
            ff.av_packet_unref(pkt)
        }
        return Int((Double(ticks) * Double(tb.num) / Double(tb.den) * Double(par.pointee.sample_rate)).rounded())
    }

    deinit {
        ff.av_channel_layout_uninit(&outLayout)
        ff.av_channel_layout_uninit(&swrInLayout)
        if swr != nil { ff.swr_free(&swr) }
        ff.av_frame_free(&frame)
        ff.av_packet_free(&packet)
        ff.avcodec_free_context(&codec)
        ff.avformat_close_input(&format)
    }

    var fileInfo: AudioFileInfo {
        AudioFileInfo(path: path, format: containerName, encoding: codecName, channels: channels, sampleRate: sampleRate,
                      frames: announcedFrames, decoder: .ffmpeg)
    }

    /// Copies up to `frames` interleaved frames into `buffer` (room for `frames × channels`); 0 at the end.
    func readFrames(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws(FFmpegOpenError) -> Int {
        guard channels > 0 else { return 0 }
        var written = 0
        while written < frames {
            if pendingStart >= pending.count {
                pending.removeAll(keepingCapacity: true); pendingStart = 0
                if finished { break }
                try fill()
                if pending.isEmpty { break }
            }
            let avail = (pending.count - pendingStart) / channels
            let n = min(avail, frames - written)
            pending.withUnsafeBufferPointer { src in
                (buffer + written * channels).update(from: src.baseAddress! + pendingStart, count: n * channels)
            }
            pendingStart += n * channels
            written += n
        }
        return written
    }

    /// Decodes until at least one frame's samples are pending, or the stream ends.
    private func fill() throws(FFmpegOpenError) {
        let log = self.log
        while pending.count == pendingStart && !finished {
            let r = FFmpegLog.capturing(log) { ff.avcodec_receive_frame(codec, frame) }
            if r == 0 {
                try convert(frame!)
                ff.av_frame_unref(frame)
                continue
            }
            if r == genrekit_averror_eof() { finish(); return }
            if r != genrekit_averror_eagain() {
                errors.append(FFmpegFile.describe(ff, r, log))
                if draining { finish(); return }
            }
            if draining { finish(); return }
            let rr = FFmpegLog.capturing(log) { ff.av_read_frame(format, packet) }
            if rr < 0 {
                if rr != genrekit_averror_eof() { errors.append(FFmpegFile.describe(ff, rr, log)) }
                _ = FFmpegLog.capturing(log) { ff.avcodec_send_packet(codec, nil) }
                draining = true
                continue
            }
            defer { ff.av_packet_unref(packet) }
            if packet!.pointee.stream_index != streamIndex { continue }
            let s = FFmpegLog.capturing(log) { ff.avcodec_send_packet(codec, packet) }
            if s < 0 && s != genrekit_averror_eagain() && s != genrekit_averror_eof() {
                errors.append(FFmpegFile.describe(ff, s, log))
                if errors.count > 10_000 { finish(); return }   // a file of nothing but bad packets
            }
        }
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        // Samples the converter still holds (only when it resamples a changed input rate).
        if swr != nil, channels > 0 {
            let room = Int(ff.swr_get_out_samples(swr, 0))
            if room > 0 {
                if s16.count < room * channels { s16 = [Int16](repeating: 0, count: room * channels) }
                let got = s16.withUnsafeMutableBytes { raw -> Int32 in
                    var out: UnsafeMutablePointer<UInt8>? = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    return ff.swr_convert(swr, &out, Int32(room), nil, 0)
                }
                if got > 0 { appendPending(count: Int(got) * channels) }
            }
        }
    }

    /// Converts one decoded frame to interleaved s16 at the output rate and layout, then to float (÷ 32768).
    private func convert(_ f: UnsafeMutablePointer<AVFrame>) throws(FFmpegOpenError) {
        let n = Int(f.pointee.nb_samples)
        guard n > 0, f.pointee.sample_rate > 0, f.pointee.ch_layout.nb_channels > 0 else { return }
        var inLayout = AVChannelLayout()
        defer { ff.av_channel_layout_uninit(&inLayout) }
        if f.pointee.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC {
            ff.av_channel_layout_default(&inLayout, f.pointee.ch_layout.nb_channels)
        } else {
            _ = ff.av_channel_layout_copy(&inLayout, &f.pointee.ch_layout)
        }
        if channels == 0 {
            channels = Int(inLayout.nb_channels)
            sampleRate = Int(f.pointee.sample_rate)
            _ = ff.av_channel_layout_copy(&outLayout, &inLayout)
        }
        if swr == nil || swrInRate != f.pointee.sample_rate || swrInFormat != f.pointee.format
            || ff.av_channel_layout_compare(&swrInLayout, &inLayout) != 0 {
            if swr != nil { ff.swr_free(&swr) }
            var s: OpaquePointer? = nil
            let r = ff.swr_alloc_set_opts2(&s, &outLayout, AV_SAMPLE_FMT_S16, Int32(sampleRate),
                                        &inLayout, AVSampleFormat(f.pointee.format), f.pointee.sample_rate, 0, nil)
            guard r >= 0, let s, ff.swr_init(s) >= 0 else {
                var s = s; ff.swr_free(&s)
                throw FFmpegOpenError(reason: "cannot convert the decoded samples to 16-bit PCM", recognised: true)
            }
            swr = s
            swrInRate = f.pointee.sample_rate; swrInFormat = f.pointee.format
            ff.av_channel_layout_uninit(&swrInLayout); _ = ff.av_channel_layout_copy(&swrInLayout, &inLayout)
        }
        let room = Int(ff.swr_get_out_samples(swr, Int32(n))) + 16
        if s16.count < room * channels { s16 = [Int16](repeating: 0, count: room * channels) }
        let input = UnsafeMutableRawPointer(f.pointee.extended_data!).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        let got = s16.withUnsafeMutableBytes { raw -> Int32 in
            var out: UnsafeMutablePointer<UInt8>? = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            return ff.swr_convert(swr, &out, Int32(room), input, Int32(n))
        }
        if got < 0 {
            errors.append("sample conversion failed: \(FFmpegFile.describe(ff, got, log))")
            return
        }
        appendPending(count: Int(got) * channels)
    }

    /// audioread/librosa's `buf_to_float`: int16 × (1 / 32768).
    private func appendPending(count: Int) {
        let scale: Float = 1.0 / 32768.0
        s16.withUnsafeBufferPointer { src in
            for i in 0..<count { pending.append(Float(src[i]) * scale) }
        }
    }

    static func string(_ buf: [CChar]) -> String {
        String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func describe(_ ff: FFmpegLibrary, _ code: Int32, _ log: FFmpegLog.Capture) -> String {
        var buf = [CChar](repeating: 0, count: 256)
        _ = ff.av_strerror(code, &buf, buf.count)
        let text = FFmpegFile.string(buf)
        if let last = log.lines.last(where: { !$0.isEmpty }) { return "\(text): \(last)" }
        return text
    }
}

/// Why FFmpeg could not open or read a file. `recognised`: FFmpeg knew the container (so the file is damaged
/// rather than not audio at all).
struct FFmpegOpenError: Error {
    var reason: String
    var recognised = false
    /// The container opened but holds no audio stream (e.g. a video without sound).
    var noAudioStream = false
    /// FFmpeg's libraries could not be loaded (``reason`` says what to install).
    var unavailable = false
}

/// Routes FFmpeg's `av_log` into the file being decoded on the calling thread, instead of raw lines on standard
/// error: each decode installs a ``Capture`` for its thread while it calls into FFmpeg.
enum FFmpegLog {
    final class Capture: @unchecked Sendable {
        private let lock = NSLock()
        private var _lines: [String] = []
        var lines: [String] { lock.lock(); defer { lock.unlock() }; return _lines }
        func append(_ s: String) {
            lock.lock(); defer { lock.unlock() }
            if _lines.count < 64, _lines.last != s { _lines.append(s) }
        }
    }

    private static let key = "GenreKitAudio.FFmpegLog.capture"
    private static let installed: Bool = {
        guard case .success(let ff) = FFmpegLibrary.shared else { return false }
        let setCallback = unsafeBitCast(ff.av_log_set_callback_symbol, to: genrekit_fn_av_log_set_callback.self)
        setCallback { avcl, level, fmt, vl in
            guard case .success(let ff) = FFmpegLibrary.shared else { return }
            guard level <= AV_LOG_WARNING, let fmt, let vl else { return }
            guard let capture = Thread.current.threadDictionary[FFmpegLog.key] as? Capture else {
                if level <= AV_LOG_ERROR {
                    let defaultCallback = unsafeBitCast(ff.av_log_default_callback_symbol, to: genrekit_fn_av_log_default_callback.self)
                    defaultCallback(avcl, level, fmt, vl)
                }
                return
            }
            var line = [CChar](repeating: 0, count: 512)
            var prefix: Int32 = 0
            let formatLine = unsafeBitCast(ff.av_log_format_line2_symbol, to: genrekit_fn_av_log_format_line2.self)
            _ = formatLine(avcl, level, fmt, vl, &line, Int32(line.count), &prefix)
            let s = FFmpegFile.string(line).trimmingCharacters(in: .whitespacesAndNewlines)
            if !s.isEmpty { capture.append(s) }
        }
        return true
    }()

    /// Installs the callback (once per process; `ff` is the loaded library, proof that ``FFmpegLibrary/shared`` loaded).
    static func install(_ ff: FFmpegLibrary) { _ = installed }

    /// Runs `body` with FFmpeg's messages on this thread going to `capture`.
    @inline(__always)
    static func capturing<T>(_ capture: Capture, _ body: () -> T) -> T {
        let dict = Thread.current.threadDictionary
        let previous = dict[key]
        dict[key] = capture
        defer { dict[key] = previous }
        return body()
    }
}
