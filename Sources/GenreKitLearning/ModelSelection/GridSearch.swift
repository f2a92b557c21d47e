import Foundation

/// How a fitted model is scored on a held-out fold (higher is better).
public enum Scoring: String, Codable, Sendable {
    case accuracy, balancedAccuracy, macroF1
    /// Macro one-vs-rest ROC-AUC of `predictProbabilities` (NaN if a fold lacks a class).
    case rocAUCMacro
    /// Macro average precision (mean PR-AUC over classes or tags) of `predictProbabilities`.
    case meanAveragePrecision

    /// Whether the score depends only on predicted labels (so a classifier can be scored on its own decision rule).
    public var isDecisionRule: Bool {
        switch self {
        case .accuracy, .balancedAccuracy, .macroF1: return true
        case .rocAUCMacro, .meanAveragePrecision: return false
        }
    }

    public func score(trueLabels: [Int], model: any Classifier, x: Matrix) -> Double {
        switch self {
        case .accuracy: return Metrics.accuracy(trueLabels, model.predict(x))
        case .balancedAccuracy: return Metrics.balancedAccuracy(trueLabels, model.predict(x))
        case .macroF1: return Metrics.precisionRecallF1(trueLabels, model.predict(x)).macroF1
        case .rocAUCMacro: return Metrics.rocAUC(labels: trueLabels, scores: model.predictProbabilities(x))
        case .meanAveragePrecision: return Metrics.averagePrecision(labels: trueLabels, scores: model.predictProbabilities(x))
        }
    }
}

/// Exhaustive model selection by stratified k-fold cross-validation.
///
/// Each candidate (a name, its parameters for the table, and an unfitted model) is fitted on
/// every training split and scored on the matching test split; the table reports
/// `mean = (1/k) Σ_f score_f` and the population `std = √((1/k) Σ_f (score_f − mean)²)`
/// (scikit-learn's `mean_test_score` / `std_test_score`). Put preprocessing inside the
/// candidate (e.g. a `Pipeline` with a scaler) so it is refitted per fold.
public struct GridSearch: Sendable {
    public struct Candidate: Sendable {
        public var name: String
        public var parameters: [String: String]
        public var model: AnyClassifier

        public init(name: String, parameters: [String: String] = [:], model: AnyClassifier) {
            self.name = name
            self.parameters = parameters
            self.model = model
        }
    }

    public struct Row: Codable, Equatable, Sendable {
        public var name: String
        public var parameters: [String: String]
        public var foldScores: [Double]
        public var mean: Double
        public var std: Double
        /// 1 = best mean score (scikit-learn `rank_test_score`; ties share the lower rank).
        public var rank: Int
    }

    public struct Result: Codable, Equatable, Sendable {
        public var scoring: Scoring
        public var folds: Int
        public var rows: [Row]
        /// Index into `rows` of the best mean score (first on ties, NaN never wins).
        public var bestIndex: Int

        public var best: Row { rows[bestIndex] }

        /// A text table: `name  mean ± std  params`, best first.
        public func formatted() -> String {
            let order = rows.indices.sorted { rows[$0].rank < rows[$1].rank || (rows[$0].rank == rows[$1].rank && $0 < $1) }
            let width = max(8, rows.map(\.name.count).max() ?? 0)
            return order.map { i in
                let r = rows[i]
                let params = r.parameters.keys.sorted().map { "\($0)=\(r.parameters[$0]!)" }.joined(separator: " ")
                let name = r.name + String(repeating: " ", count: max(0, width - r.name.count))
                return "\(r.rank)\t\(name)  \(String(format: "%.4f ± %.4f", r.mean, r.std))  \(params)"
            }.joined(separator: "\n")
        }
    }

    public var candidates: [Candidate]
    public var cv: StratifiedKFold
    public var scoring: Scoring

    public init(candidates: [Candidate], cv: StratifiedKFold = StratifiedKFold(splits: 5), scoring: Scoring = .accuracy) {
        self.candidates = candidates
        self.cv = cv
        self.scoring = scoring
    }

    /// Runs the search; `progress` is called after each candidate.
    public func run(_ x: Matrix, labels: [Int], classCount: Int, sampleWeights: [Double]? = nil,
                    progress: ((Row) -> Void)? = nil) throws -> Result {
        let splits = try cv.split(labels)
        var rows: [Row] = []
        for candidate in candidates {
            var scores: [Double] = []
            for (train, test) in splits {
                var model = candidate.model
                try model.fit(x.selectingRows(train), labels: train.map { labels[$0] }, classCount: classCount,
                              sampleWeights: sampleWeights.map { w in train.map { w[$0] } })
                scores.append(scoring.score(trueLabels: test.map { labels[$0] }, model: model, x: x.selectingRows(test)))
            }
            let row = Row(candidate, foldScores: scores)
            rows.append(row)
            progress?(row)
        }
        return GridSearch.ranked(rows, scoring: scoring, folds: cv.splits)
    }
}
