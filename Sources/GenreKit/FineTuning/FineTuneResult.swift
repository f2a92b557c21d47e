import GenreKitModels
import GenreKitNN

/// The outcome of ``FineTuner/run(train:valid:labels:stop:progress:)``.
public struct FineTuneResult: Sendable {
    /// The network of the epoch with the lowest validation loss (the last epoch without validation songs).
    public var network: MusicnnTrainableNetwork
    /// 1-based epoch of ``network``. An interrupted epoch counts with the batches it finished.
    public var bestEpoch: Int
    public var history: [FineTuneEpoch]
    public var stopReason: StopReason
    /// Songs that could not be decoded, with the reason (the others went on).
    public var failures: [(path: String, reason: String)]
    /// Validation loss of the network before training (new output layer), nil without validation songs.
    public var initialValidLoss: Double?
    /// Seconds spent decoding and caching the frozen part.
    public var preparationSeconds: Double
    /// Training throughput over all epochs (segments/s, forward + backward + update).
    public var segmentsPerSecond: Double
    /// The precision the training GEMMs ran in (``FineTuneOptions/precision``, or fp32 where this CPU lacks bf16).
    public var precision: InferencePrecision = .fp32

    public enum StopReason: String, Sendable, Codable { case completed, earlyStopping, interrupted }
}
