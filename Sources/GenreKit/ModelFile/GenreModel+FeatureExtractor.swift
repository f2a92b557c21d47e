import GenreKitModels
import GenreKitNN

extension GenreModel {
    /// The feature extractor this model reads its inputs with: its fine-tuned network when it has one, else the
    /// published networks (or descriptors) its feature spec names.
    /// With `precision`, the networks run in it (int8 with `int8Calibration`) instead of the precision the model was
    /// trained with (its spec's, fp32 unless asked).
    /// - Throws: ``FeatureExtractorError/trainedOnFeatureTable`` for a model trained on a feature table.
    public func featureExtractor(store: ModelStore = ModelStore(), cache: FeatureCache?,
                                 precision: InferencePrecision? = nil,
                                 int8Calibration: Int8Calibration? = nil) throws -> CombinedFeatureExtractor {
        guard var spec = try featureSource.spec else { throw FeatureExtractorError.trainedOnFeatureTable }
        if let precision { spec = try spec.running(precision, int8Calibration: int8Calibration) }
        if let network {
            guard spec.parts.count == 1 else {
                throw FeatureSpecError.malformed(featureSpec, reason: "a fine-tuned network's model file names one network")
            }
            return try CombinedFeatureExtractor(parts: [FeatureExtractor(spec: spec.parts[0], model: network.load(labels: labels, store: store), cache: cache)])
        }
        return try CombinedFeatureExtractor(spec: spec, store: store, cache: cache)
    }
}
