extension GridSearch {
    /// Cross-validation of multi-label taggers (candidates holding ``AnyClassifier/oneVsRest(_:)``) where rows come in
    /// groups (the windows of one song, all with the song's tags): folds are stratified over groups by
    /// `groupStrata` (e.g. each song's primary tag), and each held-out song is scored on the mean of its rows'
    /// probabilities. The fold score is the macro average precision (mAP) over tags of those song scores.
    ///
    /// - Parameters:
    ///   - indicators: 0/1 tags of each row, `rows × tags`.
    ///   - groups: group index of each row, `0..<groupCount`.
    ///   - groupStrata: one stratum per group for the folds.
    public func runMultiLabel(_ x: Matrix, indicators: Matrix, groups: [Int], groupStrata: [Int],
                              progress: ((Row) -> Void)? = nil) throws -> Result {
        precondition(groups.count == x.rows && indicators.rows == x.rows, "one group and indicator row per row")
        let groupCount = groupStrata.count
        var rowsOf = [[Int]](repeating: [], count: groupCount)
        for (i, g) in groups.enumerated() { rowsOf[g].append(i) }
        let splits = try cv.split(groupStrata)
        let tags = indicators.cols
        var rows: [Row] = []
        for candidate in candidates {
            guard case .oneVsRest(var model) = candidate.model else {
                throw LearningError.invalidArgument("multi-label search needs one-vs-rest candidates (got \(candidate.name))")
            }
            var scores: [Double] = []
            for (trainGroups, testGroups) in splits {
                let train = trainGroups.flatMap { rowsOf[$0] }
                try model.fit(x.selectingRows(train), indicators: indicators.selectingRows(train))
                var truth: [Double] = [], songScores: [Double] = []
                for g in testGroups {
                    let p = model.predictProbabilities(x.selectingRows(rowsOf[g]))
                    songScores += SongAggregation.mean.aggregate(p).probabilities
                    truth += indicators.row(rowsOf[g][0])
                }
                scores.append(Metrics.averagePrecision(indicators: Matrix(rows: testGroups.count, cols: tags, values: truth),
                                                       scores: Matrix(rows: testGroups.count, cols: tags, values: songScores)))
            }
            let row = Row(candidate, foldScores: scores)
            rows.append(row)
            progress?(row)
        }
        return GridSearch.ranked(rows, scoring: .meanAveragePrecision, folds: cv.splits)
    }
}
