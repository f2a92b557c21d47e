/// Why a model could not be built from its weights.
public enum ModelLoadError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The checkpoint lacks a variable the architecture needs.
    case missingVariable(model: String, name: String, reason: String)
    /// A variable exists but its shape is not the one the architecture expects.
    case shapeMismatch(model: String, name: String, expected: [Int], found: [Int])
    /// The checkpoint holds model variables the architecture does not use (wrong architecture?).
    case unexpectedVariables(model: String, names: [String])
    /// The architecture name is not one of the published models.
    case unknownModel(name: String)
    /// Fine-tuning supports the musicnn networks only.
    case notFineTunable(model: String)

    public var description: String {
        switch self {
        case .missingVariable(let model, let name, let reason):
            return "\(model): checkpoint has no variable '\(name)' (\(reason))"
        case .shapeMismatch(let model, let name, let expected, let found):
            return "\(model): variable '\(name)' has shape \(found), the architecture expects \(expected)"
        case .unexpectedVariables(let model, let names):
            let shown = names.prefix(8).joined(separator: ", ")
            return "\(model): checkpoint has \(names.count) variable(s) the architecture does not use (\(shown)); wrong architecture for this checkpoint?"
        case .unknownModel(let name):
            return "unknown model '\(name)'; known: \((ModelArchitecture.all.map(\.name) + [RandomMusicnnWeights.modelName]).joined(separator: ", "))"
        case .notFineTunable(let model):
            return "\(model) cannot be fine-tuned: fine-tuning supports the musicnn networks (MSD_musicnn, MTT_musicnn, MSD_musicnn_big, random_musicnn); use a VGG model through its features (genrekit train --features \(model):pool5)"
        }
    }
}
