/// Errors thrown by GenreKitLearning fitting and model-selection code.
public enum LearningError: Error, Equatable, CustomStringConvertible {
    /// Inputs whose shapes disagree (rows vs labels, feature counts, …).
    case shapeMismatch(String)
    /// A label outside `0..<classCount`, an empty training set, a bad parameter.
    case invalidArgument(String)
    /// A feature this implementation does not offer (e.g. per-sample weights for libsvm).
    case unsupported(String)
    /// libsvm rejected the problem or parameters (`svm_check_parameter`).
    case libsvm(String)

    public var description: String {
        switch self {
        case .shapeMismatch(let m): return "shape mismatch: \(m)"
        case .invalidArgument(let m): return "invalid argument: \(m)"
        case .unsupported(let m): return "unsupported: \(m)"
        case .libsvm(let m): return "libsvm: \(m)"
        }
    }
}
