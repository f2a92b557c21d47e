import CSndFile

/// Writes interleaved float samples to an audio file with libsndfile (used by tests and benchmarks to make audio).
public enum AudioEncoder {
    /// Container and encoding.
    public enum Format: String, Sendable, CaseIterable {
        case wav16, wavFloat, flac, ogg, mp3

        var code: Int32 {
            switch self {
            case .wav16: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
            case .wavFloat: return Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
            case .flac: return Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
            case .ogg: return Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)
            case .mp3: return Int32(SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III)
            }
        }
    }

    /// Writes `samples` (interleaved, `channels` per frame) at `sampleRate` Hz to `path`.
    public static func write(_ samples: [Float], channels: Int, sampleRate: Int, format: Format, to path: String) throws(AudioError) {
        guard channels > 0, samples.count % channels == 0 else {
            throw .invalidParameter("sample count \(samples.count) is not a multiple of \(channels) channels")
        }
        var info = SF_INFO()
        info.channels = Int32(channels)
        info.samplerate = Int32(sampleRate)
        info.format = format.code
        guard let h = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw .decodeFailed(path: path, reason: "cannot write: " + String(cString: sf_strerror(nil)))
        }
        defer { sf_close(h) }
        let frames = samples.count / channels
        let written = samples.withUnsafeBufferPointer { sf_writef_float(h, $0.baseAddress, sf_count_t(frames)) }
        if written != frames { throw .decodeFailed(path: path, reason: "wrote \(written) of \(frames) frames") }
    }
}
