import GenreKitNN

/// Any of the published musicnn / vgg taggers, loaded from its checkpoint.
/// Immutable after loading; `predict` may be called from several threads at once.
public enum PretrainedModel: Sendable {
    case musicnn(MusicnnModel)
    case vgg(VGGModel)

    /// Builds the network `architecture` from `weights` (checking every variable's shape).
    public init(architecture: ModelArchitecture, weights: WeightSource, pruneConstantFilters: Bool = true) throws {
        switch architecture.kind {
        case .musicnn:
            self = .musicnn(try MusicnnModel(architecture: architecture, weights: weights,
                                             pruneConstantFilters: pruneConstantFilters))
        case .vgg:
            self = .vgg(try VGGModel(architecture: architecture, weights: weights))
        }
    }

    /// Loads the published model `name` (`MTT_musicnn`, …) from `store`; `random_musicnn` is the untrained
    /// baseline with seeded TensorFlow-default weights (``RandomMusicnnWeights``), needing no checkpoint.
    public static func load(_ name: String, store: ModelStore = ModelStore(),
                            pruneConstantFilters: Bool = true) throws -> PretrainedModel {
        if name == RandomMusicnnWeights.modelName {
            return try PretrainedModel(architecture: RandomMusicnnWeights.architecture, weights: RandomMusicnnWeights.make(),
                                       pruneConstantFilters: pruneConstantFilters)
        }
        guard let arch = ModelArchitecture.named(name) else { throw ModelLoadError.unknownModel(name: name) }
        let checkpoint = try store.checkpoint(for: name)
        return try PretrainedModel(architecture: arch, weights: checkpoint, pruneConstantFilters: pruneConstantFilters)
    }

    public var architecture: ModelArchitecture {
        switch self {
        case .musicnn(let m): return m.architecture
        case .vgg(let m): return m.architecture
        }
    }

    /// The precision the network's GEMMs run in.
    public var precision: InferencePrecision {
        switch self {
        case .musicnn(let m): return m.precision
        case .vgg(let m): return m.precision
        }
    }

    /// This network running in `precision` (fp32 with a one-line `notice` where this CPU lacks the instructions;
    /// ``InferencePrecision/effective(onISA:)``).
    public func withPrecision(_ precision: InferencePrecision) -> (model: PretrainedModel, notice: String?) {
        switch self {
        case .musicnn(let m): let r = m.withPrecision(precision); return (.musicnn(r.model), r.notice)
        case .vgg(let m): let r = m.withPrecision(precision); return (.vgg(r.model), r.notice)
        }
    }

    /// This network with int8 activation scales `calibration` (musicnn, which then runs every layer in int8,
    /// ``MusicnnModel/Int8Scope/allLayers``; VGG takes each chunk's own scales).
    public func withInt8Calibration(_ calibration: Int8Calibration) -> PretrainedModel {
        switch self {
        case .musicnn(var m): m.int8Calibration = calibration; m.int8Scope = .allLayers; return .musicnn(m)
        case .vgg: return self
        }
    }

    /// This network running int8 in `scope` (musicnn; VGG runs every layer in int8).
    public func withInt8Scope(_ scope: MusicnnModel.Int8Scope) -> PretrainedModel {
        switch self {
        case .musicnn(var m): m.int8Scope = scope; return .musicnn(m)
        case .vgg: return self
        }
    }

    /// See `MusicnnModel.predict` / `VGGModel.predict`.
    public func predict(patches: [Float], count: Int, features: Set<String> = []) -> ModelOutput {
        switch self {
        case .musicnn(let m): return m.predict(patches: patches, count: count, features: features)
        case .vgg(let m): return m.predict(patches: patches, count: count, features: features)
        }
    }
}
