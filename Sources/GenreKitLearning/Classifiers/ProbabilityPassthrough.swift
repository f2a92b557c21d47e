/// The "classifier" of a model whose features already are class probabilities (a fine-tuned network's softmax
/// output): `predictProbabilities(x) = x`, `predict(x)` = the most probable class (the first on ties). `fit` only
/// checks the dimension.
public struct ProbabilityPassthrough: Classifier, Equatable {
    public private(set) var classCount: Int

    public init(classCount: Int) { self.classCount = classCount }

    public mutating func fit(_ x: Matrix, labels: [Int], classCount: Int, sampleWeights: [Double]?) throws {
        try validateFitArguments(x, labels: labels, classCount: classCount, sampleWeights: sampleWeights)
        guard x.cols == classCount else {
            throw LearningError.invalidArgument("ProbabilityPassthrough: \(x.cols) columns for \(classCount) classes")
        }
        self.classCount = classCount
    }

    public func predictProbabilities(_ x: Matrix) -> Matrix {
        precondition(x.cols == classCount, "ProbabilityPassthrough: \(x.cols) columns for \(classCount) classes")
        return x
    }
}
