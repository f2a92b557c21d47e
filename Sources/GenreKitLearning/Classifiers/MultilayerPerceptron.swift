import Foundation
import GenreKitCore

/// One-hidden-layer neural network classifier: `p = softmax(W₂ᵀ relu(W₁ᵀx + b₁) + b₂)`.
///
/// Trained by mini-batch Adam on the weighted cross-entropy
/// `L = Σ_i s_i (−log p_{i,y_i}) / Σ_i s_i + α ‖W‖² / (2 B)` (`B` = batch size; biases are
/// not penalised), like scikit-learn's `MLPClassifier(activation='relu', solver='adam')`:
/// Glorot-uniform initialisation `U(±√(6/(fan_in+fan_out)))`, Adam step
/// `θ −= η √(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + 1e-8)`.
///
/// Early stopping (default): a stratified `validationFraction` of the training rows is held
/// out; after each epoch the held-out mean cross-entropy is measured and training stops when
/// it has not improved by more than `tolerance` for `patience` epochs; the weights with the
/// lowest held-out loss are kept. (scikit-learn watches held-out accuracy instead, which is
/// flat for many epochs on small held-out sets and stops too early.)
/// Without early stopping the training loss plays that role. Everything random (init,
/// split, batch order) comes from `SeededGenerator(seed:)`, so fits are reproducible.
/// No numerical parity with scikit-learn is attempted.
public struct MultilayerPerceptron: Classifier {
    public var hiddenUnits: Int
    public var learningRate: Double
    /// L2 strength `α` (scikit-learn `alpha`).
    public var l2: Double
    public var batchSize: Int
    public var maxEpochs: Int
    public var earlyStopping: Bool
    public var validationFraction: Double
    public var patience: Int
    public var tolerance: Double
    public var seed: UInt64
    public var classWeighting: ClassWeighting

    public private(set) var classCount: Int = 0
    public private(set) var featureCount: Int = 0
    /// `d × h`, `h`, `h × K`, `K` (row-major).
    public private(set) var w1: [Double] = []
    public private(set) var b1: [Double] = []
    public private(set) var w2: [Double] = []
    public private(set) var b2: [Double] = []
    public private(set) var epochsRun: Int = 0
    /// Mean training loss per epoch.
    public private(set) var lossCurve: [Double] = []
    /// Held-out accuracy per epoch (early stopping only).
    public private(set) var validationScores: [Double] = []
    /// Held-out mean cross-entropy per epoch (early stopping only; this drives the stop).
    public private(set) var validationLosses: [Double] = []

    public init(hiddenUnits: Int = 100, learningRate: Double = 1e-3, l2: Double = 1e-4, batchSize: Int = 200,
                maxEpochs: Int = 200, earlyStopping: Bool = true, validationFraction: Double = 0.1,
                patience: Int = 10, tolerance: Double = 1e-4, seed: UInt64 = 0,
                classWeighting: ClassWeighting = .none) {
        self.hiddenUnits = hiddenUnits
        self.learningRate = learningRate
        self.l2 = l2
        self.batchSize = batchSize
        self.maxEpochs = maxEpochs
        self.earlyStopping = earlyStopping
        self.validationFraction = validationFraction
        self.patience = patience
        self.tolerance = tolerance
        self.seed = seed
        self.classWeighting = classWeighting
    }

    /// The settings of the shared training loop (``PerceptronTrainer``).
    var trainerSettings: MultilayerPerceptronSettings {
        MultilayerPerceptronSettings(hiddenUnits: hiddenUnits, learningRate: learningRate, l2: l2, batchSize: batchSize, maxEpochs: maxEpochs,
                                     earlyStopping: earlyStopping, validationFraction: validationFraction, patience: patience,
                                     tolerance: tolerance, seed: seed)
    }

    /// The fitted weights as a network.
    var network: HiddenLayerNetwork {
        HiddenLayerNetwork(w1: w1, b1: b1, w2: w2, b2: b2, inputs: featureCount, hidden: hiddenUnits, outputs: classCount)
    }

    public mutating func fit(_ x: Matrix, labels: [Int], classCount: Int, sampleWeights: [Double]?) throws {
        try validateFitArguments(x, labels: labels, classCount: classCount, sampleWeights: sampleWeights)
        guard hiddenUnits >= 1, batchSize >= 1 else { throw LearningError.invalidArgument("hiddenUnits and batchSize must be ≥ 1") }
        let weights = classWeighting.effectiveSampleWeights(labels: labels, classCount: classCount, sampleWeights: sampleWeights)
        var rng = SeededGenerator(seed: seed)
        self.classCount = classCount
        featureCount = x.cols
        var net = HiddenLayerNetwork(inputs: x.cols, hidden: hiddenUnits, outputs: classCount, generator: &rng)
        let (trainRows, validationRows) = stratifiedValidationSplit(labels, classCount: classCount, generator: &rng)
        let xVal = x.selectingRows(validationRows)
        let yVal = validationRows.map { labels[$0] }
        var scores: [Double] = []
        let l2 = self.l2
        let outcome = PerceptronTrainer(settings: trainerSettings).train(
            &net, rows: trainRows, generator: &rng,
            batchLoss: { Self.batchLoss($0, x, labels, weights, $1, l2: l2) },
            validationLoss: validationRows.isEmpty ? nil : { net in
                let probabilities = Self.probabilities(net, xVal)
                var validationLoss = 0.0
                for (r, y) in yVal.enumerated() { validationLoss -= log(max(probabilities[r, y], 1e-300)) }
                scores.append(Metrics.accuracy(yVal, probabilities.argmaxPerRow()))
                return validationLoss / Double(yVal.count)
            })
        (w1, b1, w2, b2) = (net.w1, net.b1, net.w2, net.b2)
        epochsRun = outcome.epochs
        lossCurve = outcome.lossCurve
        validationLosses = outcome.validationLosses
        validationScores = scores
    }

    /// With early stopping, a stratified `validationFraction` of each class's rows held out (at least one row of
    /// each class stays in training); rows sorted.
    private func stratifiedValidationSplit(_ labels: [Int], classCount k: Int, generator rng: inout SeededGenerator) -> (train: [Int], validation: [Int]) {
        guard earlyStopping && validationFraction > 0 else { return (Array(labels.indices), []) }
        var byClass = [[Int]](repeating: [], count: k)
        for (i, y) in labels.enumerated() { byClass[y].append(i) }
        var trainRows: [Int] = [], validationRows: [Int] = []
        for var rows in byClass where !rows.isEmpty {
            rng.shuffle(&rows)
            let nVal = min(rows.count - 1, Int((validationFraction * Double(rows.count)).rounded()))
            validationRows += rows.prefix(max(nVal, 0))
            trainRows += rows.dropFirst(max(nVal, 0))
        }
        return (trainRows.sorted(), validationRows.sorted())
    }

    /// Mean weighted cross-entropy on `batch` (plus the L2 term), gradients `[gW1, gb1, gW2, gb2]` and the batch weight.
    private static func batchLoss(_ net: HiddenLayerNetwork, _ x: Matrix, _ labels: [Int], _ weights: [Double], _ batch: [Int],
                                  l2: Double) -> (loss: Double, gradients: [[Double]], weight: Double) {
        let k = net.outputs, b = batch.count
        let pass = net.forward(x, batch: batch, weights: weights)
        var z = pass.z
        let invW = pass.weight > 0 ? 1 / pass.weight : 0
        var loss = 0.0
        var dz = [Double](repeating: 0, count: b * k)
        for r in 0..<b {
            var m = -Double.infinity
            for j in 0..<k { z[r * k + j] += net.b2[j]; m = max(m, z[r * k + j]) }
            var s = 0.0
            for j in 0..<k { let e = exp(z[r * k + j] - m); dz[r * k + j] = e; s += e }
            let w = weights[batch[r]], y = labels[batch[r]]
            loss += w * (m + log(s) - z[r * k + y])
            for j in 0..<k { dz[r * k + j] = w * invW * dz[r * k + j] / s }
            dz[r * k + y] -= w * invW
        }
        return net.result(pass, lossSum: loss, scale: invW, dz: dz, l2: l2)
    }

    /// Softmax probabilities of `net` on `x`, `rows × k`.
    private static func probabilities(_ net: HiddenLayerNetwork, _ x: Matrix) -> Matrix {
        let k = net.outputs
        var z = net.outputsBeforeBias(net.hiddenActivations(x.values, rows: x.rows), rows: x.rows)
        for r in 0..<x.rows {
            var m = -Double.infinity
            for j in 0..<k { z[r * k + j] += net.b2[j]; m = max(m, z[r * k + j]) }
            var s = 0.0
            for j in 0..<k { z[r * k + j] = exp(z[r * k + j] - m); s += z[r * k + j] }
            for j in 0..<k { z[r * k + j] /= s }
        }
        return Matrix(rows: x.rows, cols: k, values: z)
    }

    public func predictProbabilities(_ x: Matrix) -> Matrix {
        precondition(x.cols == featureCount, "MultilayerPerceptron: \(x.cols) features, fitted on \(featureCount)")
        return Self.probabilities(network, x)
    }
}
