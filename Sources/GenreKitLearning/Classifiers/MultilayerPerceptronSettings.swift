/// Hyper-parameters of a one-hidden-layer perceptron (shared by the multi-label network).
public struct MultilayerPerceptronSettings: Codable, Sendable, Equatable {
    public var hiddenUnits = 256
    public var learningRate = 1e-3
    /// L2 strength `α` (scikit-learn `alpha`).
    public var l2 = 1e-4
    public var batchSize = 200
    public var maxEpochs = 200
    public var earlyStopping = true
    public var validationFraction = 0.1
    public var patience = 10
    public var tolerance = 1e-4
    public var seed: UInt64 = 0

    public init(hiddenUnits: Int = 256, learningRate: Double = 1e-3, l2: Double = 1e-4, batchSize: Int = 200, maxEpochs: Int = 200,
                earlyStopping: Bool = true, validationFraction: Double = 0.1, patience: Int = 10, tolerance: Double = 1e-4, seed: UInt64 = 0) {
        self.hiddenUnits = hiddenUnits; self.learningRate = learningRate; self.l2 = l2; self.batchSize = batchSize
        self.maxEpochs = maxEpochs; self.earlyStopping = earlyStopping; self.validationFraction = validationFraction
        self.patience = patience; self.tolerance = tolerance; self.seed = seed
    }
}
