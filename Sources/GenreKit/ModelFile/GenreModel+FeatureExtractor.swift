import GenreKitModels

extension GenreModel {
    /// The feature extractor this model reads its inputs with: its fine-tuned network when it has one, else the
    /// published networks (or descriptors) its feature spec names.
    /// - Throws: ``FeatureExtractorError/trainedOnFeatureTable`` for a model trained on a feature table.
    public func featureExtractor(store: ModelStore = ModelStore(), cache: FeatureCache?) throws -> CombinedFeatureExtractor {
        guard let spec = try featureSource.spec else { throw FeatureExtractorError.trainedOnFeatureTable }
        if let network {
            guard spec.parts.count == 1 else {
                throw FeatureSpecError.malformed(featureSpec, reason: "a fine-tuned network's model file names one network")
            }
            return try CombinedFeatureExtractor(parts: [FeatureExtractor(spec: spec.parts[0], model: network.load(labels: labels, store: store), cache: cache)])
        }
        return try CombinedFeatureExtractor(spec: spec, store: store, cache: cache)
    }
}
