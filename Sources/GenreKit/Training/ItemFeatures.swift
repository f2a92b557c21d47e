import GenreKitLearning

/// The features of one song (or one feature-table row) ready for learning: its window rows and pooled vector.
public struct ItemFeatures: Sendable {
    /// Path or id of the item.
    public var id: String
    /// Index of the item's label in the label list (-1 when unknown, e.g. at prediction time); for multi-label
    /// data its primary (first known) label.
    public var label: Int
    /// Indices of all the item's labels (its tag set), ascending; `[label]` for single-label data.
    public var labelSet: [Int]
    /// Window rows, `windows × dimension`, row-major.
    public var windows: [Float]
    public var windowCount: Int
    /// Song-level vector (the windows pooled with the spec's song pooling).
    public var song: [Float]
    /// Window start times in seconds (empty for feature-table rows).
    public var windowStarts: [Double]

    public var dimension: Int { song.count }

    /// The window rows as a `windows × d` matrix (the song vector as one row when the item has no windows).
    public var windowMatrix: Matrix {
        let d = windows.count / max(windowCount, 1)
        return windowCount > 0 ? Matrix(rows: windowCount, cols: d, floats: windows) : Matrix(rows: 1, cols: song.count, floats: song)
    }

    /// `labelSet` defaults to `[label]` (none when `label` is -1).
    public init(id: String, label: Int, windows: [Float], windowCount: Int, song: [Float], windowStarts: [Double] = [],
                labelSet: [Int]? = nil) {
        self.id = id; self.label = label; self.windows = windows; self.windowCount = windowCount
        self.song = song; self.windowStarts = windowStarts
        self.labelSet = (labelSet ?? (label >= 0 ? [label] : [])).sorted()
    }

    /// The item's 0/1 indicator row over `labelCount` labels.
    public func indicatorRow(labelCount: Int) -> [Double] {
        var row = [Double](repeating: 0, count: labelCount)
        for l in labelSet where l >= 0 && l < labelCount { row[l] = 1 }
        return row
    }

    /// Rows for a classifier at `level`: the windows, or the song vector as one row.
    func rows(_ level: GenreModel.TrainingLevel) -> (values: [Float], count: Int) {
        level == .segment && windowCount > 0 ? (windows, windowCount) : (song, 1)
    }
}

extension Array where Element == ItemFeatures {
    /// The items' indicator matrix, `items × labelCount` (one row per item, its ``ItemFeatures/labelSet``).
    public func indicators(labelCount: Int) -> Matrix {
        Matrix(rows: count, cols: labelCount, values: flatMap { $0.indicatorRow(labelCount: labelCount) })
    }

    /// Stacks the items' rows at `level` with each row's indicator row (a song's tags on every one of its windows)
    /// and item (group) index.
    func multiLabelDesign(_ level: GenreModel.TrainingLevel, labelCount: Int) -> (x: Matrix, y: Matrix, groups: [Int]) {
        var values: [Float] = [], y: [Double] = [], groups: [Int] = []
        let d = first?.dimension ?? 0
        for (g, item) in enumerated() {
            let r = item.rows(level)
            values += r.values
            let row = item.indicatorRow(labelCount: labelCount)
            for _ in 0..<r.count { y += row }
            groups += [Int](repeating: g, count: r.count)
        }
        return (Matrix(rows: groups.count, cols: d, floats: values), Matrix(rows: groups.count, cols: labelCount, values: y), groups)
    }

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
