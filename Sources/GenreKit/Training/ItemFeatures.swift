import GenreKitLearning

/// The features of one song (or one feature-table row) ready for learning: its window rows and pooled vector.
public struct ItemFeatures: Sendable {
    /// Path or id of the item.
    public var id: String
    /// Index of the item's label in the label list (-1 when unknown, e.g. at prediction time).
    public var label: Int
    /// Window rows, `windows × dimension`, row-major.
    public var windows: [Float]
    public var windowCount: Int
    /// Song-level vector (the windows pooled with the spec's song pooling).
    public var song: [Float]
    /// Window start times in seconds (empty for feature-table rows).
    public var windowStarts: [Double]

    public var dimension: Int { song.count }

    public init(id: String, label: Int, windows: [Float], windowCount: Int, song: [Float], windowStarts: [Double] = []) {
        self.id = id; self.label = label; self.windows = windows; self.windowCount = windowCount
        self.song = song; self.windowStarts = windowStarts
    }

    /// Rows for a classifier at `level`: the windows, or the song vector as one row.
    func rows(_ level: GenreModel.TrainingLevel) -> (values: [Float], count: Int) {
        level == .segment && windowCount > 0 ? (windows, windowCount) : (song, 1)
    }
}

extension Array where Element == ItemFeatures {
    /// Stacks the items' rows at `level` into one matrix, with each row's label and item (group) index.
    func design(_ level: GenreModel.TrainingLevel) -> (x: Matrix, labels: [Int], groups: [Int]) {
        var values: [Float] = [], labels: [Int] = [], groups: [Int] = []
        let d = first?.dimension ?? 0
        for (g, item) in enumerated() {
            let r = item.rows(level)
            values += r.values
            labels += [Int](repeating: item.label, count: r.count)
            groups += [Int](repeating: g, count: r.count)
        }
        return (Matrix(rows: labels.count, cols: d, floats: values), labels, groups)
    }
}
