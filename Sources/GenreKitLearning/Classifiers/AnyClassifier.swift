/// A tagged, Codable container for any of GenreKitLearning's classifiers, for model files
/// and grid searches. JSON shape: `{"logisticRegression": {...}}` (Swift's enum coding).
public enum AnyClassifier: Classifier {
    case logisticRegression(LogisticRegression)
    case kNearestNeighbors(KNearestNeighbors)
    case supportVectorMachine(SupportVectorMachine)
    case multilayerPerceptron(MultilayerPerceptron)
    indirect case pipeline(Pipeline)
    case passthrough(ProbabilityPassthrough)
    /// A multi-label tagger (independent per-tag probabilities).
    case oneVsRest(OneVsRestClassifier)

    public var base: any Classifier {
        switch self {
        case .logisticRegression(let m): return m
        case .kNearestNeighbors(let m): return m
        case .supportVectorMachine(let m): return m
        case .multilayerPerceptron(let m): return m
        case .pipeline(let m): return m
        case .passthrough(let m): return m
        case .oneVsRest(let m): return m
        }
    }

    public var classCount: Int { base.classCount }

    public mutating func fit(_ x: Matrix, labels: [Int], classCount: Int, sampleWeights: [Double]?) throws {
        switch self {
        case .logisticRegression(var m):
            try m.fit(x, labels: labels, classCount: classCount, sampleWeights: sampleWeights); self = .logisticRegression(m)
        case .kNearestNeighbors(var m):
            try m.fit(x, labels: labels, classCount: classCount, sampleWeights: sampleWeights); self = .kNearestNeighbors(m)
        case .supportVectorMachine(var m):
            try m.fit(x, labels: labels, classCount: classCount, sampleWeights: sampleWeights); self = .supportVectorMachine(m)
        case .multilayerPerceptron(var m):
            try m.fit(x, labels: labels, classCount: classCount, sampleWeights: sampleWeights); self = .multilayerPerceptron(m)
        case .pipeline(var m):
            try m.fit(x, labels: labels, classCount: classCount, sampleWeights: sampleWeights); self = .pipeline(m)
        case .passthrough(var m):
            try m.fit(x, labels: labels, classCount: classCount, sampleWeights: sampleWeights); self = .passthrough(m)
        case .oneVsRest(var m):
            try m.fit(x, labels: labels, classCount: classCount, sampleWeights: sampleWeights); self = .oneVsRest(m)
        }
    }

    public func predictProbabilities(_ x: Matrix) -> Matrix { base.predictProbabilities(x) }
    public func predict(_ x: Matrix) -> [Int] { base.predict(x) }
}

/// Optional standardisation and PCA in front of a classifier, refitted together by `fit`
/// (so cross-validation never leaks test-fold statistics) and stored together.
public struct Pipeline: Classifier {
    public var scaler: StandardScaler?
    public var pca: PCA?
    public var classifier: AnyClassifier

    public init(scaler: StandardScaler? = StandardScaler(), pca: PCA? = nil, classifier: AnyClassifier) {
        self.scaler = scaler
        self.pca = pca
        self.classifier = classifier
    }

    public var classCount: Int { classifier.classCount }

    public mutating func fit(_ x: Matrix, labels: [Int], classCount: Int, sampleWeights: [Double]?) throws {
        var z = x
        if scaler != nil { z = scaler!.fitTransform(z) }
        if pca != nil { z = pca!.fitTransform(z) }
        try classifier.fit(z, labels: labels, classCount: classCount, sampleWeights: sampleWeights)
    }

    /// The features the classifier sees.
    public func transform(_ x: Matrix) -> Matrix {
        var z = x
        if let s = scaler { z = s.transform(z) }
        if let p = pca { z = p.transform(z) }
        return z
    }

    public func predictProbabilities(_ x: Matrix) -> Matrix { classifier.predictProbabilities(transform(x)) }
    public func predict(_ x: Matrix) -> [Int] { classifier.predict(transform(x)) }
}
