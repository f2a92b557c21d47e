import Foundation
import GenreKitCore

/// How a grouped grid search evaluates its candidates on one fold, sharing what they have in common and running the
/// rest on all cores:
///
/// - candidates with the same preprocessing (their ``Pipeline``'s unfitted scaler and PCA) share one
///   standardisation per fold (``PreparedFold``), bit-identical to what each pipeline computes on its own;
/// - k-nearest-neighbour candidates that differ only in `k` share one neighbour search with the largest `k`
///   (the first `k` neighbours of that list are exactly each smaller `k`'s);
/// - with a decision-rule scoring (accuracy, balanced accuracy, macro F1) every SVM is scored on its own rule, the
///   one-vs-one vote, without libsvm's internal 5-fold cross-validation for probability estimates (those are
///   fitted once, for the winner); up to ``maxKernelRows`` training rows it trains on kernel values read from the
///   fold's Gram matrix (libsvm's precomputed kernel) instead of summing over the features for every kernel value;
/// - the remaining fits (one per candidate, or per neighbour group) run in parallel, OpenBLAS single-threaded
///   inside them. Nothing in them draws random numbers, so the scores do not depend on the schedule.
struct SelectionPlan {
    /// One job on a fold.
    enum Work {
        /// Fit the candidate's classifier on the prepared rows and take its probabilities (its votes, for an SVM
        /// scored on its decision rule).
        case fit(Int)
        /// An SVM on the fold's kernel values.
        case kernelSVM(Int)
        /// Neighbour candidates sharing metric and weighting: one search, every `k`.
        case neighbours([Int])
    }

    struct Preprocessing {
        var scaler: StandardScaler?
        var pca: PCA?
        var work: [Work] = []
    }

    /// Above this many training rows an SVM is trained on its features, not on a precomputed kernel: libsvm
    /// stores that kernel as `n²` 16-byte nodes (59 MB for 1,920 rows, 144 MB for 3,000).
    static let maxKernelRows = 3_000

    let classifiers: [AnyClassifier]
    let preprocessings: [Preprocessing]
    let decisionRule: Bool

    init(candidates: [GridSearch.Candidate], decisionRule: Bool) {
        self.decisionRule = decisionRule
        var groups: [Preprocessing] = []
        var classifiers: [AnyClassifier] = []
        var neighbourGroups: [(prep: Int, metric: KNearestNeighbors.Metric, weighting: KNearestNeighbors.Weighting, work: Int)] = []
        for (c, candidate) in candidates.enumerated() {
            var scaler: StandardScaler?, pca: PCA?, classifier = candidate.model
            if case .pipeline(let p) = candidate.model { scaler = p.scaler; pca = p.pca; classifier = p.classifier }
            classifiers.append(classifier)
            let g: Int
            if let i = groups.firstIndex(where: { $0.scaler == scaler && $0.pca == pca }) { g = i } else {
                groups.append(Preprocessing(scaler: scaler, pca: pca)); g = groups.count - 1
            }
            switch classifier {
            case .supportVectorMachine where decisionRule:
                groups[g].work.append(.kernelSVM(c))
            case .kNearestNeighbors(let m) where m.k >= 1:
                if let n = neighbourGroups.first(where: { $0.prep == g && $0.metric == m.metric && $0.weighting == m.weighting }),
                   case .neighbours(let members) = groups[g].work[n.work] {
                    groups[g].work[n.work] = .neighbours(members + [c])
                } else {
                    neighbourGroups.append((g, m.metric, m.weighting, groups[g].work.count))
                    groups[g].work.append(.neighbours([c]))
                }
            default:
                groups[g].work.append(.fit(c))
            }
        }
        self.classifiers = classifiers
        preprocessings = groups
    }

    /// Test-row probabilities (`test.count × classCount`, rows in `test` order) of every candidate fitted on the
    /// `train` rows of `x`.
    func evaluate(_ x: Matrix, labels: [Int], train: [Int], test: [Int], classCount: Int) throws -> [Matrix] {
        var out = [Matrix?](repeating: nil, count: classifiers.count)
        let trainLabels = train.map { labels[$0] }
        let kernels = train.count <= SelectionPlan.maxKernelRows
        for prep in preprocessings {
            let needsGram = prep.work.contains { work in
                switch work {
                case .kernelSVM: return kernels
                case .neighbours: return true
                case .fit: return false
                }
            }
            let fold = PreparedFold(x: x, train: train, test: test, scaler: prep.scaler, pca: prep.pca, withGram: needsGram)
            // Longest jobs first, so the last ones to start are short.
            let jobs = prep.work.sorted { rank($0) < rank($1) }
            let results = Locked([Result<[(Int, Matrix)], Error>?](repeating: nil, count: jobs.count))
            BLASThreads.withSingleThread {
                DispatchQueue.concurrentPerform(iterations: jobs.count) { j in
                    let r = Result { try run(jobs[j], fold: fold, labels: trainLabels, classCount: classCount, kernels: kernels) }
                    results.withLock { $0[j] = r }
                }
            }
            for r in results.value {
                for (c, p) in try r!.get() { out[c] = p }
            }
        }
        return out.map { $0! }
    }

    private func rank(_ work: Work) -> Int {
        switch work {
        case .fit: return 0
        case .kernelSVM: return 1
        case .neighbours: return 2
        }
    }

    private func run(_ work: Work, fold: PreparedFold, labels: [Int], classCount: Int, kernels: Bool) throws -> [(Int, Matrix)] {
        switch work {
        case .fit(let c):
            var model = classifiers[c]
            if decisionRule, case .supportVectorMachine(var svm) = model { svm.probability = false; model = .supportVectorMachine(svm) }
            try model.fit(fold.zTrain, labels: labels, classCount: classCount, sampleWeights: nil)
            return [(c, model.predictProbabilities(fold.zTest))]
        case .kernelSVM(let c):
            guard kernels, case .supportVectorMachine(let svm) = classifiers[c] else {
                return try run(.fit(c), fold: fold, labels: labels, classCount: classCount, kernels: kernels)
            }
            return [(c, try kernelVotes(svm, fold: fold, labels: labels, classCount: classCount))]
        case .neighbours(let members):
            let models: [KNearestNeighbors] = members.map {
                guard case .kNearestNeighbors(let m) = classifiers[$0] else { preconditionFailure("neighbour group") }
                return m
            }
            var base = models[0]
            base.k = models.map(\.k).max()!
            try base.fit(fold.zTrain, labels: labels, classCount: classCount, sampleWeights: nil)
            let neighbours = base.neighbors(fold.zTest, count: base.k, dots: fold.testDots)
            return zip(members, models).map { c, m in
                var fitted = base
                fitted.k = m.k
                return (c, fitted.probabilities(neighbours))
            }
        }
    }

    /// One-hot rows of the SVM's one-vs-one votes on the test rows, trained on the fold's kernel values.
    private func kernelVotes(_ unfitted: SupportVectorMachine, fold: PreparedFold, labels: [Int], classCount: Int) throws -> Matrix {
        var svm = unfitted
        let gamma = svm.resolvedGamma(fold.zTrain)
        try svm.fitPrecomputedKernel(rows: fold.zTrain.rows, labels: labels, classCount: classCount, gamma: gamma) { i, row in
            fold.kernelRow(i, gamma: gamma, into: row)
        }
        let n = fold.zTest.rows
        let predicted: [Int]
        if svm.fittedClasses.count == 1 {
            predicted = [Int](repeating: svm.fittedClasses[0], count: n)
        } else {
            let columns = svm.supportIndices
            predicted = svm.votes(svm.decisionValues(rows: n) { fold.testKernel(rows: $0, columns: columns, gamma: gamma) })
        }
        var out = Matrix(rows: n, cols: classCount)
        for (r, c) in predicted.enumerated() { out[r, c] = 1 }
        return out
    }
}
