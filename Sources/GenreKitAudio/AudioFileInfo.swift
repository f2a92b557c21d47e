/// Facts about an audio file as its container states them, before any decoding.
public struct AudioFileInfo: Sendable, Equatable, Codable {
    /// The path the facts were read from.
    public var path: String
    /// Which library decodes the file: libsndfile when it can open it (librosa's soundfile path), else FFmpeg
    /// (librosa's audioread/ffmpeg fallback).
    public enum Decoder: String, Sendable, Codable {
        case libsndfile, ffmpeg
    }

    /// Container format as libsndfile names it, e.g. `"WAV"`, `"FLAC"`, `"OGG"`, `"MP3"`; for FFmpeg, its demuxer's
    /// name, e.g. `"MOV"` (MP4/M4A), `"ASF"` (WMA), `"WV"`, `"AAC"` (ADTS).
    public var format: String
    /// Sample encoding inside the container, e.g. `"PCM_16"`, `"VORBIS"`, `"MPEG_LAYER_III"`.
    public var encoding: String
    /// Number of interleaved channels.
    public var channels: Int
    /// Native sample rate in Hz.
    public var sampleRate: Int
    /// Number of frames (samples per channel): after ``AudioDecoder/decode(path:)`` the frames decoded; from
    /// ``AudioDecoder/info(path:)`` the container's count, or the frames counted by decoding when the container
    /// announces none (a streamed FLAC, an MP3 whose length libsndfile cannot tell).
    public var frames: Int
    /// The library that decodes the file.
    public var decoder: Decoder
    /// `frames / sampleRate`, in seconds.
    public var duration: Double { sampleRate > 0 ? Double(frames) / Double(sampleRate) : 0 }

    public init(path: String, format: String, encoding: String, channels: Int, sampleRate: Int, frames: Int,
                decoder: Decoder = .libsndfile) {
        self.path = path; self.format = format; self.encoding = encoding; self.decoder = decoder
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
    /// The one-line warning given when the stream ended early in a decoder error and was kept as far as it went.
    public var warning: String?

    public init(samples: [Float], sampleRate: Int, source: AudioFileInfo, warning: String? = nil) {
        self.samples = samples; self.sampleRate = sampleRate; self.source = source; self.warning = warning
    }
}
