/// Why fine-tuning could not run.
public enum FineTuneError: Error, CustomStringConvertible, Equatable {
    case tooFewSongs(String)
    case invalidOption(String)
    /// The data has several labels per song; fine-tuning trains a single-label classifier.
    case multiLabelData

    public var description: String {
        switch self {
        case .tooFewSongs(let s): return s
        case .invalidOption(let s): return s
        case .multiLabelData:
            return "DATA has several labels per song; fine-tuning trains a single-label classifier (use genrekit train --task tagging for tags)"
        }
    }
}
