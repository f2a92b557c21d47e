import GenreKitModels

/// Keeps the network of the epoch with the lowest validation loss (without validation songs: the last epoch) and
/// says when `patience` epochs have passed without a better one.
struct BestEpochTracker: Sendable {
    private(set) var best: MusicnnTrainableNetwork
    /// 1-based epoch of ``best``; 0 before any epoch.
    private(set) var bestEpoch = 0
    private(set) var bestLoss = Double.infinity
    private(set) var sinceBest = 0
    /// Epochs without improvement that stop the run (nil: never).
    let patience: Int?

    init(network: MusicnnTrainableNetwork, patience: Int?) {
        best = network
        self.patience = patience
    }

    /// Records the network after `epoch` with its validation loss (nil without validation songs).
    mutating func record(_ network: MusicnnTrainableNetwork, epoch: Int, validLoss: Double?) {
        guard let loss = validLoss else { best = network; bestEpoch = epoch; return }
        if loss < bestLoss { bestLoss = loss; best = network; bestEpoch = epoch; sinceBest = 0 } else { sinceBest += 1 }
    }

    /// Whether the run should stop early.
    var shouldStop: Bool { patience.map { sinceBest >= $0 } ?? false }
}
