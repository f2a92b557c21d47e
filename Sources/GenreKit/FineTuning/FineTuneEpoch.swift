/// One epoch of a fine-tuning run.
public struct FineTuneEpoch: Sendable, Codable {
    public var epoch: Int
    /// Mean training loss over the epoch's batches (with dropout, augmentation; mixup-weighted).
    public var trainLoss: Double
    /// Mean cross-entropy over the validation windows (nil without validation songs).
    public var validLoss: Double?
    /// Validation accuracy of the windows and of the songs (majority vote over windows).
    public var validSegmentAccuracy: Double?
    public var validSongAccuracy: Double?
    public var learningRate: Float
    public var seconds: Double
    /// Training segments processed.
    public var segments: Int
}
