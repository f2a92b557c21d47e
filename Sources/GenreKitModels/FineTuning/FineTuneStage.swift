/// How much of a pre-trained musicnn network is trained when fine-tuning it on the user's classes. The output
/// layer is always new (one unit per class, Glorot-uniform initialised); everything before the trained part is
/// frozen, runs in inference mode, and is computed once per segment (cached), so the cheaper stages train fast.
///
/// | stage     | trained                                                   | cached input of the trained part |
/// |-----------|-----------------------------------------------------------|----------------------------------|
/// | `head`    | output dense layer                                        | `penultimate` (units)            |
/// | `backend` | pooled batch norm, penultimate dense + batch norm, output | `[max_pool, mean_pool]` interleaved |
/// | `midend`  | the three mid-end convolutions + batch norms, back end    | front-end maps `T × 561`         |
/// | `all`     | the five front-end convolutions + batch norms, the rest   | normalised log-mel `T × 96`      |
///
/// In `all`, the input batch norm (two scalars) stays frozen: training it would need `∂L/∂x` through all
/// five front-end convolutions.
public enum FineTuneStage: String, Sendable, Codable, CaseIterable, Comparable {
    case head, backend, midend, all

    /// Index of the first trained part, in graph order (front end 0, mid end 1, back end 2, output 3).
    var firstTrainedPart: Int {
        switch self {
        case .all: return 0
        case .midend: return 1
        case .backend: return 2
        case .head: return 3
        }
    }

    public static func < (a: FineTuneStage, b: FineTuneStage) -> Bool { a.firstTrainedPart > b.firstTrainedPart }
}
