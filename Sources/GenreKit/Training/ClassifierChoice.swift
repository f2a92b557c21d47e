import GenreKitLearning

/// The classifier families `genrekit train --classifier` offers, each with the parameter grid searched by
/// cross-validation (standardisation, and optional PCA, in front of every one).
public enum ClassifierChoice: String, Sendable, CaseIterable, Codable {
    /// Multinomial logistic regression with L2 (the linear probe), `C ∈ {0.01, 0.1, 1, 10}`.
    case logreg
    /// libsvm C-SVC with probability outputs: RBF with `C ∈ {0.1, 1, 10}` × `gamma ∈ {0.1, 1, 10} × "scale"`
    /// (scikit-learn's default `1/(d·Var X)`), linear with `C ∈ {0.1, 1}`; trained on a precomputed kernel
    /// (``SupportVectorMachine/precomputedKernel``), probability estimates fitted for the chosen one only.
    case svm
    /// k nearest neighbours (Euclidean, uniform votes), `k ∈ {1, 3, 5, 7, 9, 11, 15}` as in seed paper 003.
    case knn
    /// One hidden layer of 256 ReLU units, Adam, early stopping.
    case mlp
    /// The logreg, svm (gamma "scale" only, to keep it quick) and knn grids together; the best by
    /// cross-validation wins.
    case auto

    /// Grid candidates, each a full pipeline.
    public func candidates(pca: Int?, classWeighting: ClassWeighting, seed: UInt64) -> [GridSearch.Candidate] {
        func wrap(_ name: String, _ params: [String: String], _ c: AnyClassifier) -> GridSearch.Candidate {
            GridSearch.Candidate(name: name, parameters: params,
                                 model: .pipeline(Pipeline(scaler: StandardScaler(), pca: pca.map { PCA(componentCount: $0) }, classifier: c)))
        }
        switch self {
        case .logreg:
            return [0.01, 0.1, 1, 10].map { c in
                wrap("logreg", ["C": "\(c)"], .logisticRegression(LogisticRegression(c: c, classWeighting: classWeighting)))
            }
        case .svm:
            let rbf = [0.1, 1, 10].flatMap { c in [1.0, 0.1, 10].map { g in
                wrap("svm", ["kernel": "rbf", "C": "\(c)", "gamma": g == 1 ? "scale" : "\(g)·scale"],
                     .supportVectorMachine(SupportVectorMachine(kernel: .rbf, c: c, gamma: g == 1 ? .scale : .scaleTimes(g),
                                                                classWeighting: classWeighting, seed: UInt32(truncatingIfNeeded: seed),
                                                                precomputedKernel: true)))
            } }
            let linear = [0.1, 1].map { c in
                wrap("svm", ["kernel": "linear", "C": "\(c)"], .supportVectorMachine(SupportVectorMachine(kernel: .linear, c: c, classWeighting: classWeighting, seed: UInt32(truncatingIfNeeded: seed),
                                                                                                 precomputedKernel: true)))
            }
            return rbf + linear
        case .knn:
            return [1, 3, 5, 7, 9, 11, 15].map { k in wrap("knn", ["k": "\(k)"], .kNearestNeighbors(KNearestNeighbors(k: k))) }
        case .mlp:
            return [wrap("mlp", ["hidden": "256"], .multilayerPerceptron(MultilayerPerceptron(hiddenUnits: 256, seed: seed, classWeighting: classWeighting)))]
        case .auto:
            return ClassifierChoice.logreg.candidates(pca: pca, classWeighting: classWeighting, seed: seed)
                + ClassifierChoice.svm.candidates(pca: pca, classWeighting: classWeighting, seed: seed).filter { $0.parameters["gamma"] ?? "scale" == "scale" }
                + ClassifierChoice.knn.candidates(pca: pca, classWeighting: classWeighting, seed: seed)
        }
    }

    /// The candidate used when no search can run (too few songs for the folds): the grid's usual default.
    public func defaultCandidate(pca: Int?, classWeighting: ClassWeighting, seed: UInt64) -> GridSearch.Candidate {
        let all = candidates(pca: pca, classWeighting: classWeighting, seed: seed)
        switch self {
        case .logreg: return all[2]          // C = 1
        case .svm: return all[3]             // RBF, C = 1, gamma "scale"
        case .auto: return all[5]            // RBF, C = 1, gamma "scale"
        case .knn: return all[2]             // k = 5
        case .mlp: return all[0]
        }
    }
}
