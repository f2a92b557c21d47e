extension GridSearch {
    /// Cross-validation where rows come in groups (the windows of one song): folds are stratified over groups
    /// (each group's label is its rows' label), so no song has windows on both sides of a fold, and each fold
    /// is scored at group level on the mean of its rows' probabilities (``SongAggregation/mean``).
    ///
    /// - Parameter groups: group index of each row, `0..<groupCount`; all rows of a group share one label.
    public func run(_ x: Matrix, labels: [Int], groups: [Int], classCount: Int,
                    progress: ((Row) -> Void)? = nil) throws -> Result {
        precondition(groups.count == labels.count, "one group per row")
        let groupCount = (groups.max() ?? -1) + 1
        var groupLabel = [Int](repeating: -1, count: groupCount)
        var rowsOf = [[Int]](repeating: [], count: groupCount)
        for (i, g) in groups.enumerated() { groupLabel[g] = labels[i]; rowsOf[g].append(i) }
        let splits = try cv.split(groupLabel)
        var rows: [Row] = []
        for candidate in candidates {
            var scores: [Double] = []
            for (trainGroups, testGroups) in splits {
                let train = trainGroups.flatMap { rowsOf[$0] }
                var model = candidate.model
                try model.fit(x.selectingRows(train), labels: train.map { labels[$0] }, classCount: classCount, sampleWeights: nil)
                var truth: [Int] = [], predicted: [Int] = []
                var songProbabilities: [Double] = []
                for g in testGroups {
                    let p = model.predictProbabilities(x.selectingRows(rowsOf[g]))
                    let song = SongAggregation.mean.aggregate(p)
                    truth.append(groupLabel[g]); predicted.append(song.label)
                    songProbabilities += song.probabilities
                }
                switch scoring {
                case .accuracy: scores.append(Metrics.accuracy(truth, predicted))
                case .balancedAccuracy: scores.append(Metrics.balancedAccuracy(truth, predicted))
                case .macroF1: scores.append(Metrics.precisionRecallF1(truth, predicted).macroF1)
                case .rocAUCMacro:
                    scores.append(Metrics.rocAUC(labels: truth, scores: Matrix(rows: truth.count, cols: classCount, values: songProbabilities)))
                case .meanAveragePrecision:
                    scores.append(Metrics.averagePrecision(labels: truth, scores: Matrix(rows: truth.count, cols: classCount, values: songProbabilities)))
                }
            }
            let row = Row(candidate, foldScores: scores)
            rows.append(row)
            progress?(row)
        }
        return GridSearch.ranked(rows, scoring: scoring, folds: cv.splits)
    }

    /// Ranks rows by mean score (NaN last) and picks the best.
    static func ranked(_ input: [Row], scoring: Scoring, folds: Int) -> Result {
        var rows = input
        for i in rows.indices {
            rows[i].rank = rows[i].mean.isNaN ? rows.count : 1 + rows.filter { !$0.mean.isNaN && $0.mean > rows[i].mean }.count
        }
        var bestIndex = 0
        for i in rows.indices where !rows[i].mean.isNaN && (rows[bestIndex].mean.isNaN || rows[i].mean > rows[bestIndex].mean) {
            bestIndex = i
        }
        return Result(scoring: scoring, folds: folds, rows: rows, bestIndex: bestIndex)
    }
}

extension GridSearch.Row {
    /// A row for `candidate` with the mean and (population) standard deviation of its fold scores; rank 0 until ranked.
    init(_ candidate: GridSearch.Candidate, foldScores scores: [Double]) {
        let mean = scores.reduce(0, +) / Double(scores.count)
        let std = (scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(scores.count)).squareRoot()
        self.init(name: candidate.name, parameters: candidate.parameters, foldScores: scores, mean: mean, std: std, rank: 0)
    }
}
