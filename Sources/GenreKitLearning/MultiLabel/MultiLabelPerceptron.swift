import Foundation
import GenreKitCore

/// One-hidden-layer multi-label network: `p = σ(W₂ᵀ relu(W₁ᵀx + b₁) + b₂)`, one sigmoid output per tag.
///
/// Trained by mini-batch Adam on the mean binary cross-entropy over rows and tags
///
///     L = Σ_i s_i (1/T) Σ_t [ log(1 + e^{z_it}) − y_it z_it ] / Σ_i s_i + α ‖W‖² / (2 B)
///
/// (`B` = batch size; biases are not penalised; `∂L/∂z_it = s_i (σ(z_it) − y_it) / (T Σ s)`), with the same
/// initialisation, Adam step and early stopping on held-out loss as ``MultilayerPerceptron`` (the held-out rows
/// are a seeded random `validationFraction`; the weights with the lowest held-out BCE are kept).
/// Matrix products are BLAS `dgemm` calls. Reproducible for a seed; no numerical parity with scikit-learn.
public struct MultiLabelPerceptron: Codable, Sendable {
    public var settings: MultilayerPerceptronSettings
    public private(set) var tagCount = 0
    public private(set) var featureCount = 0
    /// `d × h`, `h`, `h × T`, `T` (row-major).
    public private(set) var w1: [Double] = []
    public private(set) var b1: [Double] = []
    public private(set) var w2: [Double] = []
    public private(set) var b2: [Double] = []
    public private(set) var epochsRun = 0
    /// Mean training BCE per epoch.
    public private(set) var lossCurve: [Double] = []
    /// Held-out mean BCE per epoch (early stopping only).
    public private(set) var validationLosses: [Double] = []

    public init(settings: MultilayerPerceptronSettings = MultilayerPerceptronSettings()) { self.settings = settings }

    /// The fitted weights as a network.
    var network: HiddenLayerNetwork {
        HiddenLayerNetwork(w1: w1, b1: b1, w2: w2, b2: b2, inputs: featureCount, hidden: settings.hiddenUnits, outputs: tagCount)
    }

    /// Fits on `x` (`n × d`) and the 0/1 indicators (`n × T`).
    public mutating func fit(_ x: Matrix, indicators y: Matrix, sampleWeights: [Double]? = nil) throws {
        let s = settings
        guard x.rows == y.rows else { throw LearningError.shapeMismatch("\(x.rows) rows but \(y.rows) indicator rows") }
        guard x.rows > 0, y.cols > 0 else { throw LearningError.invalidArgument("empty training set or no tags") }
        guard s.hiddenUnits >= 1, s.batchSize >= 1 else { throw LearningError.invalidArgument("hiddenUnits and batchSize must be ≥ 1") }
        if let w = sampleWeights, w.count != x.rows { throw LearningError.shapeMismatch("\(w.count) sample weights for \(x.rows) rows") }
        let weights = sampleWeights ?? [Double](repeating: 1, count: x.rows)
        var rng = SeededGenerator(seed: s.seed)
        tagCount = y.cols; featureCount = x.cols
        var net = HiddenLayerNetwork(inputs: x.cols, hidden: s.hiddenUnits, outputs: y.cols, generator: &rng)
        var order = Array(0..<x.rows)
        var validationRows: [Int] = []
        if s.earlyStopping && s.validationFraction > 0 && x.rows >= 10 {
            rng.shuffle(&order)
            let nVal = Int((s.validationFraction * Double(x.rows)).rounded())
            validationRows = Array(order.prefix(nVal)).sorted()
            order = Array(order.dropFirst(nVal)).sorted()
        }
        let xVal = x.selectingRows(validationRows), yVal = y.selectingRows(validationRows)
        let outcome = PerceptronTrainer(settings: s).train(
            &net, rows: order, generator: &rng,
            batchLoss: { Self.batchLoss($0, x, y, weights, $1, l2: s.l2) },
            validationLoss: validationRows.isEmpty ? nil : { Self.meanBCE(Self.logits($0, xVal), yVal) })
        (w1, b1, w2, b2) = (net.w1, net.b1, net.w2, net.b2)
        epochsRun = outcome.epochs
        lossCurve = outcome.lossCurve
        validationLosses = outcome.validationLosses
    }

    /// Mean of `log(1 + e^z) − y z` over all cells.
    static func meanBCE(_ z: [Double], _ y: Matrix) -> Double {
        var loss = 0.0
        for i in 0..<z.count { loss += max(z[i], 0) + log1p(exp(-abs(z[i]))) - y.values[i] * z[i] }
        return z.isEmpty ? 0 : loss / Double(z.count)
    }

    /// Mean weighted BCE on `batch` (plus the L2 term), gradients `[gW1, gb1, gW2, gb2]` and the batch weight.
    private static func batchLoss(_ net: HiddenLayerNetwork, _ x: Matrix, _ y: Matrix, _ weights: [Double], _ batch: [Int],
                                  l2: Double) -> (loss: Double, gradients: [[Double]], weight: Double) {
        let k = net.outputs, b = batch.count
        let pass = net.forward(x, batch: batch, weights: weights)
        let z = pass.z
        let scale = pass.weight > 0 ? 1 / (pass.weight * Double(k)) : 0
        var loss = 0.0
        var dz = [Double](repeating: 0, count: b * k)
        for r in 0..<b {
            let w = weights[batch[r]], row = batch[r] * k
            for j in 0..<k {
                let zi = z[r * k + j] + net.b2[j], t = y.values[row + j]
                loss += w * (max(zi, 0) + log1p(exp(-abs(zi))) - t * zi)
                dz[r * k + j] = w * scale * (sigmoid(zi) - t)
            }
        }
        return net.result(pass, lossSum: loss, scale: scale, dz: dz, l2: l2)
    }

    /// Output logits `z` of `net` on `x`, row-major `rows × T`.
    private static func logits(_ net: HiddenLayerNetwork, _ x: Matrix) -> [Double] {
        let k = net.outputs
        var z = net.outputsBeforeBias(net.hiddenActivations(x.values, rows: x.rows), rows: x.rows)
        for r in 0..<x.rows { for j in 0..<k { z[r * k + j] += net.b2[j] } }
        return z
    }

    /// Tag probabilities `σ(z)`, `rows × T`.
    public func predictProbabilities(_ x: Matrix) -> Matrix {
        precondition(x.cols == featureCount, "MultiLabelPerceptron: \(x.cols) features, fitted on \(featureCount)")
        return Matrix(rows: x.rows, cols: tagCount, values: Self.logits(network, x).map(sigmoid))
    }
}
