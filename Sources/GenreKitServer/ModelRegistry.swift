import Foundation
import GenreKit

/// What `GET /v1/models` says of one model.
public struct ModelInfo: Codable, Sendable, Equatable {
    /// `pretrained` (a musicnn/VGG tagger), `classifier` (a trained genre model) or `tagger` (a trained tagger).
    public enum Kind: String, Codable, Sendable { case pretrained, classifier, tagger }

    /// The name to pass as `model=`.
    public var name: String
    public var kind: Kind
    /// Tags (pretrained, tagger) or genres (classifier), in output order.
    public var labels: [String]
    /// The feature specification the model reads (for a pre-trained network: its default embedding).
    public var featureSpec: String
    /// Window length and hop in seconds of the model's own features (nil for a pre-trained network: any `length`).
    public var windowSeconds: Double?
    public var hopSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case name, kind, labels
        case featureSpec = "feature_spec", windowSeconds = "window_s", hopSeconds = "hop_s"
    }
}

/// The models a server loaded once at start-up and shares between requests: the pre-trained networks, and the
/// `.gkmodel` files of a folder (their feature extractors built on the same loaded networks).
public final class ModelRegistry: Sendable {
    public enum Entry: Sendable {
        case pretrained(PretrainedModel)
        case classifier(GenreModel, CombinedFeatureExtractor)
        case tagger(TrainedTagger)
    }

    public let entries: [String: Entry]
    public let infos: [ModelInfo]
    /// The loaded pre-trained networks by name (shared by every extractor).
    public let networks: [String: PretrainedModel]
    /// Files of the models folder that could not be loaded, with why (logged at start-up).
    public let skipped: [String]

    /// Loads `pretrained` (nil: every installed one) and the `.gkmodel` files of `directory`.
    public init(pretrained: [String]?, store: ModelStore, directory: String?) throws {
        var networks: [String: PretrainedModel] = [:]
        let names = pretrained ?? ModelStore.knownModels.filter(store.isInstalled)
        for name in names { networks[name] = try PretrainedModel.load(name, store: store) }
        var entries: [String: Entry] = [:], infos: [ModelInfo] = [], skipped: [String] = []
        for name in names {
            let spec = (try? CombinedFeatureSpec(parsing: name).key) ?? name
            entries[name] = .pretrained(networks[name]!)
            infos.append(ModelInfo(name: name, kind: .pretrained, labels: networks[name]!.architecture.tags, featureSpec: spec))
        }
        if let directory {
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".gkmodel") }.sorted()
            for file in files {
                let name = String(file.dropLast(".gkmodel".count))
                guard Self.isValidName(name), entries[name] == nil else {
                    skipped.append("\(file): its name clashes with a pre-trained network or has characters other than letters, digits, '.', '_' and '-'; rename it")
                    continue
                }
                do {
                    let model = try GenreModel.read(from: (directory as NSString).appendingPathComponent(file))
                    let extractor = try Self.extractor(for: model, networks: &networks, store: store)
                    let spec = extractor.spec.windowPart
                    let info = ModelInfo(name: name, kind: model.task == .tagging ? .tagger : .classifier, labels: model.labels,
                                         featureSpec: model.featureSpec, windowSeconds: spec.windowLength,
                                         hopSeconds: spec.overlap > 0 ? spec.overlap : spec.windowLength)
                    entries[name] = model.task == .tagging
                        ? .tagger(try TrainedTagger(model: model, extractor: extractor)) : .classifier(model, extractor)
                    infos.append(info)
                } catch {
                    skipped.append("\(file): \(error)")
                }
            }
        }
        self.entries = entries
        self.infos = infos
        self.networks = networks
        self.skipped = skipped
    }

    /// A model file's extractor on the shared networks (a fine-tuned network, which lives in its file, is its own).
    static func extractor(for model: GenreModel, networks: inout [String: PretrainedModel], store: ModelStore) throws -> CombinedFeatureExtractor {
        guard let spec = try model.featureSource.spec else { throw FeatureExtractorError.trainedOnFeatureTable }
        if model.network != nil { return try model.featureExtractor(store: store, cache: nil) }
        return try CombinedFeatureExtractor(parts: spec.parts.map { (part: FeatureSpec) throws -> FeatureExtractor in
            if part.isHandcrafted || part.isYAMNet { return try FeatureExtractor(spec: part, store: store, cache: nil) }
            if networks[part.model] == nil { networks[part.model] = try PretrainedModel.load(part.model, store: store) }
            return try FeatureExtractor(spec: part, model: networks[part.model]!, cache: nil)
        })
    }

    /// An extractor for a requested specification, on the loaded networks only.
    /// - Throws: 404 when the spec names a network this server did not load; `FeatureSpecError` for a bad part.
    func extractor(for spec: CombinedFeatureSpec) throws -> CombinedFeatureExtractor {
        try CombinedFeatureExtractor(parts: spec.parts.map { (part: FeatureSpec) throws -> FeatureExtractor in
            if part.isHandcrafted { return try FeatureExtractor(spec: part, cache: nil) }
            guard let network = networks[part.model] else {
                throw ProblemError.unknownModel("this server has not loaded \(part.model); loaded: \(networks.keys.sorted().joined(separator: ", "))")
            }
            return try FeatureExtractor(spec: part, model: network, cache: nil)
        })
    }

    /// Letters, digits, `.`, `_` and `-`, not starting with a dot, at most 128 characters: nothing that walks a path.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    /// The model called `name`.
    /// - Throws: 400 for a name that is not a model name, 404 for one that is not loaded.
    public func entry(_ name: String) throws(ProblemError) -> Entry {
        guard Self.isValidName(name) else {
            throw .badParameter("model '\(name)' is not a model name (letters, digits, '.', '_', '-'); see GET /v1/models")
        }
        let key = name.hasSuffix(".gkmodel") ? String(name.dropLast(".gkmodel".count)) : name
        guard let e = entries[key] else {
            throw .unknownModel("no model '\(name)' on this server; choose one of \(infos.map(\.name).joined(separator: ", ")) (GET /v1/models)")
        }
        return e
    }
}
