import GenreKitModels

extension FeatureSpec {
    /// The model name of YAMNet feature specs (``YAMNetModel/name``).
    public static let yamnetModel = YAMNetModel.name
    /// YAMNet's layers: the 1024-d `embedding` (the global average pool before the classifier) and the 521
    /// AudioSet class `scores`.
    public static let yamnetLayers = ["embedding", "scores"]
    /// Options a YAMNet spec accepts after `@` (its windows are fixed by the network).
    public static let yamnetOptionNames = ["song"]
    /// YAMNet's window: 15 600 samples at 16 kHz (0.975 s).
    public static let yamnetWindowSeconds = Double(YAMNetModel.windowLength) / Double(YAMNetModel.sampleRate)
    /// YAMNet's hop between windows: 7 680 samples at 16 kHz (0.48 s).
    public static let yamnetHopSeconds = Double(YAMNetModel.hopLength) / Double(YAMNetModel.sampleRate)

    /// True for `yamnet:embedding` / `yamnet:scores` (YAMNet from its TensorFlow Lite file).
    public var isYAMNet: Bool { model == Self.yamnetModel }
}
