/// Why a TensorFlow Lite model file could not be read or run. Every case has a one-line description.
public enum TFLiteError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The file's SHA-256 is not the published one for a known model name.
    case checksumMismatch(name: String, expected: String, found: String)
    /// The flatbuffer is damaged: an offset or length points outside the file, or a required field is missing.
    case malformed(String)
    /// The model is well-formed but uses something this runtime does not implement.
    case unsupported(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read TensorFlow Lite model \(path): \(reason)"
        case .checksumMismatch(let name, let expected, let found):
            return "\(name): SHA-256 \(found) is not the published \(expected); the file is damaged or a different model"
        case .malformed(let what):
            return "damaged TensorFlow Lite file: \(what)"
        case .unsupported(let what):
            return "unsupported TensorFlow Lite model: \(what)"
        }
    }
}
