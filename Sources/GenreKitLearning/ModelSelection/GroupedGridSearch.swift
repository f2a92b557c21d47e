extension GridSearch {
    /// Cross-validation where rows come in groups (the windows of one song): folds are stratified over groups
    /// (each group's label is its rows' label), so no song has windows on both sides of a fold, and each fold
    /// is scored at group level on the mean of its rows' probabilities (``SongAggregation/mean``).
    ///
    /// With a decision-rule scoring (accuracy, balanced accuracy, macro F1) each candidate is scored on its own
    /// decision rule: an SVM's windows vote one-vs-one (its probability estimates, which cost libsvm five internal
    /// fits per class pair, are not fitted during the search; ``run(_:labels:groups:classCount:progress:)`` leaves
    /// them to the final fit of the winner), and a song takes its windows' majority. Candidates share each fold's
    /// preprocessing, kernel values and neighbour search, and run in parallel (see `SelectionPlan`); the result is
    /// the same on every run and schedule.
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
        let plan = SelectionPlan(candidates: candidates, decisionRule: scoring.isDecisionRule)
        var scores = [[Double]](repeating: [], count: candidates.count)
        for (trainGroups, testGroups) in splits {
            let train = trainGroups.flatMap { rowsOf[$0] }
            let test = testGroups.flatMap { rowsOf[$0] }
            let probabilities = try plan.evaluate(x, labels: labels, train: train, test: test, classCount: classCount)
            for c in candidates.indices {
                scores[c].append(groupScore(probabilities[c], groups: testGroups.map { rowsOf[$0].count },
                                            truth: testGroups.map { groupLabel[$0] }, classCount: classCount))
            }
        }
        let rows = candidates.indices.map { Row(candidates[$0], foldScores: scores[$0]) }
        for row in rows { progress?(row) }
        return GridSearch.ranked(rows, scoring: scoring, folds: cv.splits)
    }

    /// The fold's score at group level: each group's probabilities are the mean of its rows' (`windows`: the test
    /// rows group after group, `groups[g]` rows each).
    func groupScore(_ windows: Matrix, groups: [Int], truth: [Int], classCount: Int) -> Double {
        var predicted: [Int] = [], songProbabilities: [Double] = []
        var start = 0
        for count in groups {
            let song = SongAggregation.mean.aggregate(windows.selectingRows(start..<(start + count)))
            predicted.append(song.label)
            songProbabilities += song.probabilities
            start += count
        }
        switch scoring {
        case .accuracy: return Metrics.accuracy(truth, predicted)
        case .balancedAccuracy: return Metrics.balancedAccuracy(truth, predicted)
        case .macroF1: return Metrics.precisionRecallF1(truth, predicted).macroF1
        case .rocAUCMacro:
            return Metrics.rocAUC(labels: truth, scores: Matrix(rows: truth.count, cols: classCount, values: songProbabilities))
        case .meanAveragePrecision:
            return Metrics.averagePrecision(labels: truth, scores: Matrix(rows: truth.count, cols: classCount, values: songProbabilities))
        }
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
