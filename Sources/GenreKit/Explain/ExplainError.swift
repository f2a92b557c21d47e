/// Why a model or a request cannot be explained.
public enum ExplainError: Error, CustomStringConvertible, Equatable {
    /// The model's features do not come from a musicnn network's window layers, so there is no log-mel patch to explain.
    case notOnSpectrogram(spec: String)
    /// A gradient method on a model whose classifier has no gradient (kNN, SVM).
    case notDifferentiable(classifier: String, method: String)
    case unknownClass(String, known: [String])
    case noWindows(path: String)

    public var description: String {
        switch self {
        case .notOnSpectrogram(let s):
            return "cannot explain a model on '\(s)': explain needs features from one musicnn network's layers "
                + "(max_pool, mean_pool, penultimate, taggram), e.g. --features MSD_musicnn:max_pool"
        case .notDifferentiable(let c, let m):
            return "the \(c) classifier has no gradient for --method \(m); use --method occlusion"
        case .unknownClass(let c, let known):
            return "unknown class '\(c)'; the model's classes are: \(known.prefix(60).joined(separator: ", "))"
        case .noWindows(let p):
            return "\(p): shorter than one analysis window, nothing to explain"
        }
    }
}
