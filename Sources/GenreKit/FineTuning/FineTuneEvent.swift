/// What a fine-tuning run reports while it works.
public enum FineTuneEvent: Sendable {
    /// Songs decoded so far (training and validation).
    case decoding(done: Int, total: Int)
    /// Songs whose frozen part has been computed and cached.
    case caching(done: Int, total: Int)
    /// Batches done in the current epoch.
    case batch(epoch: Int, done: Int, total: Int)
    case epoch(FineTuneEpoch)
    case note(String)
}
