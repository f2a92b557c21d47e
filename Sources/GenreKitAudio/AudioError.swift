/// Why a file could not be turned into samples. Every case names the file and says what to do.
public enum AudioError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file at the path.
    case fileNotFound(path: String)
    /// The path names a directory, not a file.
    case isDirectory(path: String)
    /// The file exists but holds zero bytes.
    case emptyFile(path: String)
    /// libsndfile does not recognise the content (not audio, or a format it cannot read).
    case unsupportedFormat(path: String, reason: String)
    /// The container was recognised but holds no audio frames.
    case noAudioFrames(path: String)
    /// The file starts like a known audio container (RIFF/WAV, FLAC, Ogg, MP3) but cannot be opened: damaged or cut short.
    case damaged(path: String, reason: String)
    /// The stream ended before the frames its header announced (a cut download, a partial copy); thrown in strict mode,
    /// otherwise the samples decoded are kept with a warning.
    case truncated(path: String, expectedFrames: Int, decodedFrames: Int)
    /// The decoder reported an error while reading (in strict mode, also after some audio was decoded).
    case decodeFailed(path: String, reason: String)
    /// The resampler could not be set up or failed.
    case resampleFailed(path: String, reason: String)
    /// The decoded samples hold NaN or infinite values, or values so large that resampling overflows (a damaged float
    /// file); refused before they reach anything.
    case nonFiniteSamples(path: String, seconds: Double)
    /// libsndfile cannot open the file and FFmpeg, which reads the other formats, is not installed; `reason` says what
    /// to install.
    case decoderMissing(path: String, reason: String)
    /// A parameter given by the caller is out of range.
    case invalidParameter(String)

    public var description: String {
        switch self {
        case .fileNotFound(let p): return "\(p): no such file (check the path)"
        case .isDirectory(let p): return "\(p): is a directory, not an audio file (pass the files in it)"
        case .emptyFile(let p): return "\(p): the file is empty (0 bytes); re-copy or re-download it"
        case .unsupportedFormat(let p, let r): return "\(p): not a readable audio file (\(r)); GenreKit reads what libsndfile or FFmpeg reads (WAV, FLAC, OGG, MP3, M4A, Opus, WMA, ...)"
        case .noAudioFrames(let p): return "\(p): the file holds no audio frames"
        case .damaged(let p, let r): return "\(p): the audio file is damaged or truncated (\(r)); re-copy or re-download it"
        case .truncated(let p, let e, let d): return "\(p): the audio stream is truncated (header announces \(e) frames, only \(d) could be decoded); re-copy or re-download it"
        case .decodeFailed(let p, let r): return "\(p): decoding failed (\(r))"
        case .resampleFailed(let p, let r): return "\(p): resampling failed (\(r))"
        case .nonFiniteSamples(let p, let t):
            return "\(p): contains NaN or infinite samples (first at \(String(format: "%.3f", t)) s); the file is damaged, re-export it"
        case .decoderMissing(let p, let r): return "\(p): libsndfile cannot read it and \(r)"
        case .invalidParameter(let m): return "invalid parameter: \(m)"
        }
    }
}
