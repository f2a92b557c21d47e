/// Facts about an audio file as its container states them, before any decoding.
public struct AudioFileInfo: Sendable, Equatable, Codable {
    /// The path the facts were read from.
    public var path: String
    /// Container format as libsndfile names it, e.g. `"WAV"`, `"FLAC"`, `"OGG"`, `"MP3"`.
    public var format: String
    /// Sample encoding inside the container, e.g. `"PCM_16"`, `"VORBIS"`, `"MPEG_LAYER_III"`.
    public var encoding: String
    /// Number of interleaved channels.
    public var channels: Int
    /// Native sample rate in Hz.
    public var sampleRate: Int
    /// Number of frames (samples per channel) the container announces.
    public var frames: Int
    /// `frames / sampleRate`, in seconds.
    public var duration: Double { sampleRate > 0 ? Double(frames) / Double(sampleRate) : 0 }

    public init(path: String, format: String, encoding: String, channels: Int, sampleRate: Int, frames: Int) {
        self.path = path; self.format = format; self.encoding = encoding
        self.channels = channels; self.sampleRate = sampleRate; self.frames = frames
    }
}

/// Mono samples at a chosen rate, with the facts of the file they came from.
public struct DecodedAudio: Sendable {
    /// Mono float samples, nominally in [-1, 1].
    public var samples: [Float]
    /// Rate of `samples` in Hz.
    public var sampleRate: Int
    /// Facts of the source file.
    public var source: AudioFileInfo
    /// Duration of `samples` in seconds.
    public var duration: Double { Double(samples.count) / Double(sampleRate) }

    public init(samples: [Float], sampleRate: Int, source: AudioFileInfo) {
        self.samples = samples; self.sampleRate = sampleRate; self.source = source
    }
}
