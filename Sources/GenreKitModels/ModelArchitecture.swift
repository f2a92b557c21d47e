import GenreKitDSP
/// Which network a pretrained model is and its hyper-parameters (musicnn 0.1.0 `models.py`).
public struct ModelArchitecture: Sendable, Equatable, Hashable {
    /// The two network families.
    public enum Kind: String, Sendable, Hashable {
        /// Musically motivated front end (timbral + temporal filters), dense mid end, global-pool back end.
        case musicnn
        /// Five 3×3 convolution blocks with max pooling, then one dense layer.
        case vgg
    }

    /// The model's name as musicnn spells it (`MTT_musicnn`, …); also its checkpoint folder name.
    public let name: String
    public let kind: Kind
    /// Filters of each of the three mid-end convolutions (musicnn only).
    public let midendFilters: Int
    /// Units of the penultimate dense layer (musicnn only).
    public let backendUnits: Int
    /// Filters of every VGG convolution (vgg only).
    public let vggFilters: Int
    /// The output tags, in output order.
    public let tags: [String]
    /// How logits become scores: independent sigmoids (the published multi-label taggers) or a softmax over the
    /// classes (single-label networks fine-tuned on the user's genres, ``FineTuneStage``).
    public let outputActivation: OutputActivation

    /// The output non-linearity.
    public enum OutputActivation: String, Sendable, Hashable, Codable {
        case sigmoid, softmax
    }

    /// Upper bound of the log-mel input, ``MusicnnInput/maximum``: `log10(10000 · 65504 + 1) ≈ 8.81627`
    /// (float16-rounded mel power is at most 65504). Inputs are clamped to `[0, inputMaximum]`.
    public static let inputMaximum = MusicnnInput.maximum

    public init(name: String, kind: Kind, midendFilters: Int = 64, backendUnits: Int = 200,
                vggFilters: Int = 128, tags: [String], outputActivation: OutputActivation = .sigmoid) {
        self.name = name
        self.kind = kind
        self.midendFilters = midendFilters
        self.backendUnits = backendUnits
        self.vggFilters = vggFilters
        self.tags = tags
        self.outputActivation = outputActivation
    }

    public static let mttMusicnn = ModelArchitecture(name: "MTT_musicnn", kind: .musicnn, tags: TagVocabulary.mtt)
    public static let msdMusicnn = ModelArchitecture(name: "MSD_musicnn", kind: .musicnn, tags: TagVocabulary.msd)
    public static let msdMusicnnBig = ModelArchitecture(name: "MSD_musicnn_big", kind: .musicnn, midendFilters: 512,
                                                        backendUnits: 500, tags: TagVocabulary.msd)
    public static let mttVGG = ModelArchitecture(name: "MTT_vgg", kind: .vgg, tags: TagVocabulary.mtt)
    public static let msdVGG = ModelArchitecture(name: "MSD_vgg", kind: .vgg, tags: TagVocabulary.msd)

    /// The five published models.
    public static let all: [ModelArchitecture] = [mttMusicnn, msdMusicnn, msdMusicnnBig, mttVGG, msdVGG]

    /// The published model called `name` (or the `random_musicnn` baseline), if any.
    public static func named(_ name: String) -> ModelArchitecture? {
        name == RandomMusicnnWeights.modelName ? RandomMusicnnWeights.architecture : all.first { $0.name == name }
    }

    /// Separates a fine-tuned network's name from its base: fine-tuned networks are named `BASE~ftXXXXXXXX`
    /// (`XXXXXXXX`: the start of a checksum of their weights), e.g. `MSD_musicnn~ft3fa2c1d0`.
    public static func fineTunedBase(of name: String) -> String? {
        guard let r = name.range(of: "~ft") else { return nil }
        return String(name[..<r.lowerBound])
    }

    /// This architecture with another name, output list and activation (a fine-tuned copy).
    public func retargeted(name: String, tags: [String], outputActivation: OutputActivation) -> ModelArchitecture {
        ModelArchitecture(name: name, kind: kind, midendFilters: midendFilters, backendUnits: backendUnits,
                          vggFilters: vggFilters, tags: tags, outputActivation: outputActivation)
    }

    /// Feature names the model can return (musicnn's `extractor` keys).
    public var featureNames: [String] {
        switch kind {
        case .musicnn: return MusicnnModel.featureNames
        case .vgg: return VGGModel.featureNames
        }
    }
}
