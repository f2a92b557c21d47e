import CDecoderMessages
import CSndFile
import Foundation

/// A libsndfile handle opened for reading; closed when released.
final class SoundFile {
    let handle: OpaquePointer
    let info: SF_INFO
    let path: String
    /// What libmpg123 printed while this file was opened and read (its "Note:"/"Warning:" lines), kept for the
    /// one-line warning instead of going to standard error.
    private(set) var notes: [String]

    /// Opens `path`, turning every way it can fail into an ``AudioError``.
    init(path: String) throws(AudioError) {
        try SoundFile.checkPath(path)
        var info = SF_INFO()
        var notes: [String] = []
        let opened = SoundFile.capturingMessages(into: &notes) { sf_open(path, Int32(SFM_READ), &info) }
        guard let h = opened else {
            let reason = String(cString: sf_strerror(nil))
            if let container = SoundFile.sniffContainer(path: path) {
                throw .damaged(path: path, reason: "starts like \(container) but libsndfile cannot open it")
            }
            throw .unsupportedFormat(path: path, reason: reason)
        }
        self.handle = h
        self.info = info
        self.path = path
        self.notes = notes
        if info.channels <= 0 || info.samplerate <= 0 {
            sf_close(h)
            throw .unsupportedFormat(path: path, reason: "invalid channel count or sample rate in header")
        }
    }

    deinit { sf_close(handle) }

    /// Refuses a missing path, a directory and an empty file, each with its own error.
    static func checkPath(_ path: String) throws(AudioError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .fileNotFound(path: path) }
        if isDirectory.boolValue { throw .isDirectory(path: path) }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        if size == 0 { throw .emptyFile(path: path) }
    }

    /// Whether ``fileInfo``'s frame count is a stated length rather than a guess. libsndfile gives `SF_COUNT_MAX`
    /// when it cannot tell (a streamed FLAC, some MP3s), and for an MP3 without a Xing/Info/VBRI header the count is
    /// libmpg123's estimate from the first frame's bitrate.
    var lengthIsStated: Bool {
        if info.frames <= 0 || info.frames >= sf_count_t(Int64.max / 2) { return false }
        if fileInfo.format == "MP3" { return SoundFile.hasMP3LengthHeader(path: path) }
        return true
    }

    /// Looks for a Xing, Info or VBRI header in the first MPEG audio frame (after any ID3v2 tag).
    static func hasMP3LengthHeader(path: String) -> Bool {
        guard let fh = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? fh.close() }
        var head = [UInt8](fh.readData(ofLength: 10))
        var start: UInt64 = 0
        if head.count == 10, head.starts(with: Array("ID3".utf8)) {
            let size = head[6...9].reduce(UInt64(0)) { ($0 << 7) | UInt64($1 & 0x7F) }
            start = 10 + size + ((head[5] & 0x10) != 0 ? 10 : 0)
        }
        do { try fh.seek(toOffset: start) } catch { return false }
        head = [UInt8](fh.readData(ofLength: 1 << 16))
        // First frame sync; the tag sits within the frame's first ~200 bytes (after the side information).
        guard let sync = (0..<max(0, head.count - 4)).first(where: { head[$0] == 0xFF && (head[$0 + 1] & 0xE0) == 0xE0 }) else { return false }
        let frame = head[sync..<min(head.count, sync + 200)]
        for tag in ["Xing", "Info", "VBRI"] {
            let t = Array(tag.utf8)
            if frame.count >= 4, (frame.startIndex...(frame.endIndex - 4)).contains(where: { Array(head[$0..<$0 + 4]) == t }) { return true }
        }
        return false
    }

    /// Names the audio container the file's first bytes announce, if any (RIFF/WAVE, FLAC, Ogg, ID3 or an MPEG
    /// audio frame sync). Used to tell a damaged audio file from something that is not audio at all.
    static func sniffContainer(path: String) -> String? {
        guard let fh = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? fh.close() }
        let b = [UInt8](fh.readData(ofLength: 12))
        guard b.count >= 4 else { return nil }
        if b.starts(with: Array("RIFF".utf8)) { return "a RIFF/WAV file" }
        if b.starts(with: Array("fLaC".utf8)) { return "a FLAC file" }
        if b.starts(with: Array("OggS".utf8)) { return "an Ogg file" }
        if b.starts(with: Array("ID3".utf8)) { return "an MP3 file (ID3 tag)" }
        if b[0] == 0xFF && (b[1] & 0xE0) == 0xE0 && (b[1] & 0x06) != 0 { return "an MPEG audio (MP3) stream" }
        if b[0] == 0xFF && (b[1] & 0xF6) == 0xF0 { return "an AAC (ADTS) stream" }
        if b.starts(with: Array("FORM".utf8)) { return "an AIFF file" }
        if b.starts(with: Array("RF64".utf8)) || b.starts(with: Array("BW64".utf8)) { return "an RF64 file" }
        if b.starts(with: Array("wvpk".utf8)) { return "a WavPack file" }
        if b.starts(with: Array("MAC ".utf8)) { return "an APE file" }
        if b.starts(with: [0x30, 0x26, 0xB2, 0x75]) { return "an ASF/WMA file" }
        if b.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return "a Matroska/WebM file" }
        if b.count >= 8, Array(b[4..<8]) == Array("ftyp".utf8) { return "an MP4/M4A file" }
        return nil
    }

    /// The container's facts.
    var fileInfo: AudioFileInfo {
        let major = Int32(info.format) & Int32(SF_FORMAT_TYPEMASK)
        let sub = Int32(info.format) & Int32(SF_FORMAT_SUBMASK)
        return AudioFileInfo(path: path, format: SoundFile.formatName(major, major: true),
                             encoding: SoundFile.formatName(sub, major: false),
                             channels: Int(info.channels), sampleRate: Int(info.samplerate), frames: Int(info.frames))
    }

    /// Reads up to `frames` interleaved frames into `buffer`; returns the number read.
    func readFrames(into buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        SoundFile.capturingMessages(into: &notes) { Int(sf_readf_float(handle, buffer, sf_count_t(frames))) }
    }

    /// Runs `body` with this thread's stdio writes to stderr captured, appending the lines to `notes` (at most 32).
    static func capturingMessages<T>(into notes: inout [String], _ body: () -> T) -> T {
        genrekit_capture_stderr(1)
        let result = body()
        genrekit_capture_stderr(0)
        var buf = [CChar](repeating: 0, count: 4096)
        if genrekit_take_captured_stderr(&buf, buf.count) > 0 {
            let text = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            for line in text.split(whereSeparator: \.isNewline) where notes.count < 32 {
                let l = line.trimmingCharacters(in: .whitespaces)
                if !l.isEmpty, notes.last != l { notes.append(l) }
            }
        }
        return result
    }

    /// The decoder's pending error, if any.
    var pendingError: String? {
        sf_error(handle) == 0 ? nil : String(cString: sf_strerror(handle))
    }

    private static func formatName(_ code: Int32, major: Bool) -> String {
        var fi = SF_FORMAT_INFO()
        fi.format = code
        let cmd = major ? SFC_GET_FORMAT_INFO : SFC_GET_FORMAT_INFO
        let ok = sf_command(nil, Int32(cmd), &fi, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0
        if major {
            switch code {
            case Int32(SF_FORMAT_WAV): return "WAV"
            case Int32(SF_FORMAT_AIFF): return "AIFF"
            case Int32(SF_FORMAT_FLAC): return "FLAC"
            case Int32(SF_FORMAT_OGG): return "OGG"
            case Int32(SF_FORMAT_MPEG): return "MP3"
            case Int32(SF_FORMAT_W64): return "W64"
            case Int32(SF_FORMAT_RF64): return "RF64"
            case Int32(SF_FORMAT_AU): return "AU"
            case Int32(SF_FORMAT_CAF): return "CAF"
            default: break
            }
        } else {
            switch code {
            case Int32(SF_FORMAT_PCM_S8): return "PCM_S8"
            case Int32(SF_FORMAT_PCM_U8): return "PCM_U8"
            case Int32(SF_FORMAT_PCM_16): return "PCM_16"
            case Int32(SF_FORMAT_PCM_24): return "PCM_24"
            case Int32(SF_FORMAT_PCM_32): return "PCM_32"
            case Int32(SF_FORMAT_FLOAT): return "FLOAT"
            case Int32(SF_FORMAT_DOUBLE): return "DOUBLE"
            case Int32(SF_FORMAT_VORBIS): return "VORBIS"
            case Int32(SF_FORMAT_OPUS): return "OPUS"
            case Int32(SF_FORMAT_MPEG_LAYER_III): return "MPEG_LAYER_III"
            case Int32(SF_FORMAT_ULAW): return "ULAW"
            case Int32(SF_FORMAT_ALAW): return "ALAW"
            default: break
            }
        }
        if ok, let name = fi.name { return String(cString: name) }
        return String(format: "0x%04x", code)
    }
}
