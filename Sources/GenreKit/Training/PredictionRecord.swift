import GenreKitLearning

/// One song's genre as `genrekit predict --format json` writes it; a file that failed has only ``path`` and ``error``.
public struct PredictionRecord: Codable, Sendable, Equatable {
    /// One window's class probabilities (with `--windows`).
    public struct Window: Codable, Sendable, Equatable {
        public var startSeconds: Double
        public var probabilities: [Double]
        /// The window's attention weight (models trained with `--aggregate attention`).
        public var attention: Double?

        enum CodingKeys: String, CodingKey {
            case startSeconds = "start_s", probabilities, attention
        }
    }

    public var path: String
    /// Why the file could not be classified (nil on success).
    public var error: String?
    /// The predicted class.
    public var genre: String?
    /// The song-level aggregation's name (``SongAggregation/name``).
    public var aggregation: String?
    /// Song probability per class name.
    public var probabilities: [String: Double]?
    public var windows: [Window]?

    /// The record of a file that failed.
    public init(path: String, error: Error) {
        self.path = path
        self.error = "\(error)"
    }

    /// The record of a prediction (``GenreModelRunner/predictSong(_:aggregation:)``) of `labels`' classes.
    public init(path: String, labels: [String], probabilities: [Double], label: Int, aggregation: SongAggregation,
                windows: (probabilities: Matrix, starts: [Double])?, attention: [Double]? = nil) {
        self.path = path
        genre = labels[label]
        self.aggregation = aggregation.name
        self.probabilities = Dictionary(uniqueKeysWithValues: zip(labels, probabilities))
        self.windows = windows.map { w in
            (0..<w.probabilities.rows).map { (r: Int) -> Window in
                let weight: Double? = attention.flatMap { a in r < a.count ? a[r] : nil }
                return Window(startSeconds: r < w.starts.count ? w.starts[r] : 0, probabilities: w.probabilities.row(r), attention: weight)
            }
        }
    }
}
