import GenreKitNN

/// The per-window feature matrix of one audio file for one ``FeatureSpec``: what ``FeatureCache`` stores.
public struct WindowFeatures: Sendable, Equatable {
    /// `[windows, dimension]`: row `i` is window `i`'s layers concatenated in ``FeatureSpec/layers`` order.
    public var matrix: Tensor
    /// Start of each window in seconds.
    public var windowStarts: [Double]
    /// Window length in seconds.
    public var windowSeconds: Double

    public init(matrix: Tensor, windowStarts: [Double], windowSeconds: Double) {
        precondition(matrix.rank == 2 && matrix.shape[0] == windowStarts.count,
                     "WindowFeatures: matrix \(matrix.shape) does not have one row per window start (\(windowStarts.count))")
        self.matrix = matrix
        self.windowStarts = windowStarts
        self.windowSeconds = windowSeconds
    }

    /// The window rows of a tagger's analysis: the named layers side by side in each window, in `layers` order
    /// (``FeatureSpec/outputLayer`` is the taggram; a layer of more than one value per window is flattened).
    public init(analysis: FileAnalysis, layers: [String]) {
        let windows = analysis.windowStarts.count
        let parts = layers.map { $0 == FeatureSpec.outputLayer ? analysis.taggram : analysis.features[$0]! }
        let widths = parts.map { windows > 0 ? $0.count / windows : $0.shape.dropFirst().reduce(1, *) }
        let dimension = widths.reduce(0, +)
        var values = [Float]()
        values.reserveCapacity(windows * dimension)
        for w in 0..<windows {
            for (part, width) in zip(parts, widths) { values += part.values[w * width..<(w + 1) * width] }
        }
        self.init(matrix: Tensor(shape: [windows, dimension], values: values), windowStarts: analysis.windowStarts,
                  windowSeconds: analysis.windowSeconds)
    }

    /// Number of windows (rows).
    public var windowCount: Int { matrix.shape[0] }
    /// Length of a window vector (columns).
    public var dimension: Int { matrix.shape[1] }

    /// The song vector: the window rows pooled with `pooling` (mean, max, or mean then standard deviation,
    /// `2 × dimension` values). A file with no windows gives zeros.
    public func songVector(_ pooling: TimePooling) -> [Float] {
        let width = pooling == .meanStd ? 2 * dimension : dimension
        guard windowCount > 0 else { return [Float](repeating: 0, count: width) }
        return pooling.pool(matrix.reshaped([1, windowCount, dimension])).values
    }
}

/// The features of one file, as ``FeatureExtractor`` returns them.
public struct ExtractedFeatures: Sendable, Equatable {
    /// The audio file.
    public var path: String
    /// SHA-256 of the file's bytes (lower-case hex): the cache key.
    public var contentHash: String
    /// Per-window features.
    public var windows: WindowFeatures
    /// The song vector, ``WindowFeatures/songVector(_:)`` with the spec's ``FeatureSpec/songPooling``.
    public var song: [Float]
    /// True when the features came from the cache rather than the network.
    public var fromCache: Bool

    public init(path: String, contentHash: String, windows: WindowFeatures, song: [Float], fromCache: Bool) {
        self.path = path
        self.contentHash = contentHash
        self.windows = windows
        self.song = song
        self.fromCache = fromCache
    }
}
