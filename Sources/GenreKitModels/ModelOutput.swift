import GenreKitNN

/// Result of running a tagging model over `count` patches.
public struct ModelOutput: Sendable {
    /// Tag probabilities (sigmoid of the logits), `[count, tags]`.
    public var taggram: Tensor
    /// The requested intermediate features, keyed by musicnn's names, each with a leading
    /// `count` axis. musicnn: `timbral` `[count, T, 408]`, `temporal` `[count, T, 153]`,
    /// `cnn1`…`cnn3` `[count, T, midendFilters]`, `mean_pool`/`max_pool` `[count, 561 + 3·midendFilters]`,
    /// `penultimate` `[count, backendUnits]`. VGG: `pool1` `[count, 92, 48, 128]`,
    /// `pool2` `[count, 46, 24, 128]`, `pool3` `[count, 23, 12, 128]`, `pool4` `[count, 11, 6, 128]`,
    /// `pool5` `[count, 2, 1, 128]` (NHWC).
    public var features: [String: Tensor]

    public init(taggram: Tensor, features: [String: Tensor]) {
        self.taggram = taggram
        self.features = features
    }

    /// Concatenates outputs of consecutive chunks along the patch axis.
    static func joining(_ parts: [ModelOutput]) -> ModelOutput {
        guard parts.count > 1 else { return parts.first ?? ModelOutput(taggram: Tensor(shape: [0, 0]), features: [:]) }
        var features: [String: Tensor] = [:]
        for key in parts[0].features.keys {
            features[key] = Tensor.stacking(parts.map { $0.features[key]! })
        }
        return ModelOutput(taggram: Tensor.stacking(parts.map(\.taggram)), features: features)
    }
}
