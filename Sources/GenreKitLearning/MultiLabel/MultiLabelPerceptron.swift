import Foundation
import GenreKitCore

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

    /// Fits on `x` (`n × d`) and the 0/1 indicators (`n × T`).
    public mutating func fit(_ x: Matrix, indicators y: Matrix, sampleWeights: [Double]? = nil) throws {
        let s = settings
        guard x.rows == y.rows else { throw LearningError.shapeMismatch("\(x.rows) rows but \(y.rows) indicator rows") }
        guard x.rows > 0, y.cols > 0 else { throw LearningError.invalidArgument("empty training set or no tags") }
        guard s.hiddenUnits >= 1, s.batchSize >= 1 else { throw LearningError.invalidArgument("hiddenUnits and batchSize must be ≥ 1") }
        if let w = sampleWeights, w.count != x.rows { throw LearningError.shapeMismatch("\(w.count) sample weights for \(x.rows) rows") }
        let weights = sampleWeights ?? [Double](repeating: 1, count: x.rows)
        var rng = SeededGenerator(seed: s.seed)
        let d = x.cols, h = s.hiddenUnits, k = y.cols
        tagCount = k; featureCount = d
        func glorot(_ count: Int, _ fanIn: Int, _ fanOut: Int) -> [Double] {
            let bound = (6.0 / Double(fanIn + fanOut)).squareRoot()
            return (0..<count).map { _ in (rng.nextUnit() * 2 - 1) * bound }
        }
        w1 = glorot(d * h, d, h); b1 = glorot(h, d, h)
        w2 = glorot(h * k, h, k); b2 = glorot(k, h, k)

        var order = Array(0..<x.rows)
        var validationRows: [Int] = []
        if s.earlyStopping && s.validationFraction > 0 && x.rows >= 10 {
            rng.shuffle(&order)
            let nVal = Int((s.validationFraction * Double(x.rows)).rounded())
            validationRows = Array(order.prefix(nVal)).sorted()
            order = Array(order.dropFirst(nVal)).sorted()
        }
        let xVal = x.selectingRows(validationRows), yVal = y.selectingRows(validationRows)
        var adam = AdamState(sizes: [w1.count, b1.count, w2.count, b2.count])
        var best = (w1, b1, w2, b2)
        var bestLoss = Double.infinity
        var stale = 0
        lossCurve = []; validationLosses = []; epochsRun = 0
        for _ in 0..<s.maxEpochs {
            rng.shuffle(&order)
            var epochLoss = 0.0, epochWeight = 0.0
            for start in stride(from: 0, to: order.count, by: s.batchSize) {
                let batch = Array(order[start..<min(start + s.batchSize, order.count)])
                let (loss, grads, wsum) = lossAndGradients(x, y, weights, batch)
                epochLoss += loss * wsum; epochWeight += wsum
                let deltas = adam.step(grads: grads, learningRate: s.learningRate)
                subtract(deltas, from: &w1, &b1, &w2, &b2)
            }
            epochsRun += 1
            let meanLoss = epochWeight > 0 ? epochLoss / epochWeight : 0
            lossCurve.append(meanLoss)
            let watched: Double
            if !validationRows.isEmpty {
                watched = Self.meanBCE(logits(xVal), yVal)
                validationLosses.append(watched)
            } else {
                watched = meanLoss
            }
            if watched < bestLoss - s.tolerance { stale = 0 } else { stale += 1 }
            if watched < bestLoss { bestLoss = watched; best = (w1, b1, w2, b2) }
            if stale > s.patience { break }
        }
        if !validationRows.isEmpty { (w1, b1, w2, b2) = best }
    }

    /// Mean of `log(1 + e^z) − y z` over all cells.
    static func meanBCE(_ z: [Double], _ y: Matrix) -> Double {
        var loss = 0.0
        for i in 0..<z.count { loss += max(z[i], 0) + log1p(exp(-abs(z[i]))) - y.values[i] * z[i] }
        return z.isEmpty ? 0 : loss / Double(z.count)
    }

    private func lossAndGradients(_ x: Matrix, _ y: Matrix, _ weights: [Double], _ batch: [Int]) -> (Double, [[Double]], Double) {
        let d = featureCount, h = settings.hiddenUnits, k = tagCount, b = batch.count
        let xb = x.selectingRows(batch)
        let hidden = forwardHidden(xb.values, rows: b)
        var z = [Double](repeating: 0, count: b * k)
        gemmRaw(false, false, b, k, h, hidden, h, w2, k, &z, k, 0)
        var wsum = 0.0
        for i in batch { wsum += weights[i] }
        let scale = wsum > 0 ? 1 / (wsum * Double(k)) : 0
        var loss = 0.0
        var dz = [Double](repeating: 0, count: b * k)
        for r in 0..<b {
            let w = weights[batch[r]], row = batch[r] * k
            for j in 0..<k {
                let zi = z[r * k + j] + b2[j], t = y.values[row + j]
                loss += w * (max(zi, 0) + log1p(exp(-abs(zi))) - t * zi)
                dz[r * k + j] = w * scale * (sigmoid(zi) - t)
            }
        }
        let reg = settings.l2 / Double(b)
        loss = loss * scale + 0.5 * reg * squaredNorm(w1, w2)
        let gradients = hiddenLayerGradients(x: xb.values, d: d, hidden: hidden, h: h, dz: dz, k: k, rows: b, w1: w1, w2: w2, reg: reg)
        return (loss, gradients, wsum)
    }

    private func forwardHidden(_ xv: [Double], rows: Int) -> [Double] {
        let d = featureCount, h = settings.hiddenUnits
        var hidden = [Double](repeating: 0, count: rows * h)
        gemmRaw(false, false, rows, h, d, xv, d, w1, h, &hidden, h, 0)
        for r in 0..<rows { for j in 0..<h { hidden[r * h + j] = max(hidden[r * h + j] + b1[j], 0) } }
        return hidden
    }

    /// Output logits `z`, row-major `rows × T`.
    private func logits(_ x: Matrix) -> [Double] {
        let h = settings.hiddenUnits, k = tagCount
        let hidden = forwardHidden(x.values, rows: x.rows)
        var z = [Double](repeating: 0, count: x.rows * k)
        gemmRaw(false, false, x.rows, k, h, hidden, h, w2, k, &z, k, 0)
        for r in 0..<x.rows { for j in 0..<k { z[r * k + j] += b2[j] } }
        return z
    }

    /// Tag probabilities `σ(z)`, `rows × T`.
    public func predictProbabilities(_ x: Matrix) -> Matrix {
        precondition(x.cols == featureCount, "MultiLabelPerceptron: \(x.cols) features, fitted on \(featureCount)")
        return Matrix(rows: x.rows, cols: tagCount, values: logits(x).map(sigmoid))
    }
}
