import GenreKitNN

/// YAMNet's result for `n` windows.
public struct YAMNetOutput: Sendable {
    /// AudioSet class scores `[n, 521]` (independent sigmoids, not a distribution).
    public var scores: Tensor
    /// The 1024-d embeddings `[n, 1024]`: the global average pool of the last convolution
    /// (`yamnet_frames/global_average_pooling2d/Mean`), the input of the classifier layer.
    public var embeddings: Tensor
    /// First sample of each window in the waveform.
    public var windowStarts: [Int]

    public init(scores: Tensor, embeddings: Tensor, windowStarts: [Int]) {
        self.scores = scores
        self.embeddings = embeddings
        self.windowStarts = windowStarts
    }
}
