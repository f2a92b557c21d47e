import CSndFile
import Foundation

/// A libsndfile handle opened for reading; closed when released.
final class SoundFile {
    let handle: OpaquePointer
    let info: SF_INFO
    let path: String

    /// Opens `path`, turning every way it can fail into an ``AudioError``.
    init(path: String) throws(AudioError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw .fileNotFound(path: path)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        if size == 0 { throw .emptyFile(path: path) }
        var info = SF_INFO()
        guard let h = sf_open(path, Int32(SFM_READ), &info) else {
            throw .unsupportedFormat(path: path, reason: String(cString: sf_strerror(nil)))
        }
        self.handle = h
        self.info = info
        self.path = path
        if info.channels <= 0 || info.samplerate <= 0 {
            sf_close(h)
            throw .unsupportedFormat(path: path, reason: "invalid channel count or sample rate in header")
        }
    }

    deinit { sf_close(handle) }

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
        Int(sf_readf_float(handle, buffer, sf_count_t(frames)))
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
