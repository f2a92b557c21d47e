import CBLAS
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

    public mutating func fit(_ x: Matrix, labels: [Int], classCount: Int, sampleWeights: [Double]?) throws {
        try validateFitArguments(x, labels: labels, classCount: classCount, sampleWeights: sampleWeights)
        guard hiddenUnits >= 1, batchSize >= 1 else { throw LearningError.invalidArgument("hiddenUnits and batchSize must be ≥ 1") }
        let weights = classWeighting.effectiveSampleWeights(labels: labels, classCount: classCount, sampleWeights: sampleWeights)
        var rng = SeededGenerator(seed: seed)
        let d = x.cols, h = hiddenUnits, k = classCount
        self.classCount = k
        featureCount = d
        // Glorot-uniform initialisation (weights and biases, as scikit-learn).
        func glorot(_ count: Int, _ fanIn: Int, _ fanOut: Int) -> [Double] {
            let bound = (6.0 / Double(fanIn + fanOut)).squareRoot()
            return (0..<count).map { _ in (rng.nextUnit() * 2 - 1) * bound }
        }
        w1 = glorot(d * h, d, h); b1 = glorot(h, d, h)
        w2 = glorot(h * k, h, k); b2 = glorot(k, h, k)

        // Stratified validation split.
        var trainRows = Array(0..<x.rows), validationRows: [Int] = []
        if earlyStopping && validationFraction > 0 {
            var byClass = [[Int]](repeating: [], count: k)
            for (i, y) in labels.enumerated() { byClass[y].append(i) }
            trainRows = []
            for var rows in byClass where !rows.isEmpty {
                rng.shuffle(&rows)
                let nVal = min(rows.count - 1, Int((validationFraction * Double(rows.count)).rounded()))
                validationRows += rows.prefix(max(nVal, 0))
                trainRows += rows.dropFirst(max(nVal, 0))
            }
            trainRows.sort()
            validationRows.sort()
        }
        let useValidation = !validationRows.isEmpty
        let xVal = x.selectingRows(validationRows)
        let yVal = validationRows.map { labels[$0] }

        var adam = AdamState(sizes: [w1.count, b1.count, w2.count, b2.count])
        var best = (w1, b1, w2, b2)
        var bestLoss = Double.infinity
        var stale = 0
        lossCurve = []; validationScores = []; validationLosses = []; epochsRun = 0
        var order = trainRows
        for _ in 0..<maxEpochs {
            rng.shuffle(&order)
            var epochLoss = 0.0, epochWeight = 0.0
            var start = 0
            while start < order.count {
                let batch = Array(order[start..<min(start + batchSize, order.count)])
                start += batchSize
                let (loss, grads, wsum) = lossAndGradients(x, labels, weights, batch)
                epochLoss += loss * wsum
                epochWeight += wsum
                let deltas = adam.step(grads: grads, learningRate: learningRate)
                subtract(deltas, from: &w1, &b1, &w2, &b2)
            }
            epochsRun += 1
            let meanLoss = epochWeight > 0 ? epochLoss / epochWeight : 0
            lossCurve.append(meanLoss)
            if useValidation {
                let probabilities = predictProbabilities(xVal)
                var validationLoss = 0.0
                for (r, y) in yVal.enumerated() { validationLoss -= log(max(probabilities[r, y], 1e-300)) }
                validationLoss /= Double(yVal.count)
                validationLosses.append(validationLoss)
                validationScores.append(Metrics.accuracy(yVal, probabilities.argmaxPerRow()))
                if validationLoss < bestLoss - tolerance { stale = 0 } else { stale += 1 }
                if validationLoss < bestLoss {
                    bestLoss = validationLoss
                    best = (w1, b1, w2, b2)
                }
            } else {
                if meanLoss < bestLoss - tolerance { stale = 0 } else { stale += 1 }
                bestLoss = min(bestLoss, meanLoss)
            }
            if stale > patience { break }
        }
        if useValidation { (w1, b1, w2, b2) = best }
    }

    /// Mean weighted loss on `batch`, gradients `[gW1, gb1, gW2, gb2]` and the batch weight.
    private func lossAndGradients(_ x: Matrix, _ labels: [Int], _ weights: [Double], _ batch: [Int])
        -> (Double, [[Double]], Double) {
        let d = featureCount, h = hiddenUnits, k = classCount, b = batch.count
        let xb = x.selectingRows(batch)
        var hidden = forwardHidden(xb.values, rows: b)
        var z = [Double](repeating: 0, count: b * k)
        gemmRaw(false, false, b, k, h, hidden, h, w2, k, &z, k, 0)
        var wsum = 0.0
        for i in batch { wsum += weights[i] }
        let invW = wsum > 0 ? 1 / wsum : 0
        var loss = 0.0
        var dz = [Double](repeating: 0, count: b * k)
        for r in 0..<b {
            var m = -Double.infinity
            for j in 0..<k { z[r * k + j] += b2[j]; m = max(m, z[r * k + j]) }
            var s = 0.0
            for j in 0..<k { let e = exp(z[r * k + j] - m); dz[r * k + j] = e; s += e }
            let w = weights[batch[r]], y = labels[batch[r]]
            loss += w * (m + log(s) - z[r * k + y])
            for j in 0..<k { dz[r * k + j] = w * invW * dz[r * k + j] / s }
            dz[r * k + y] -= w * invW
        }
        let reg = l2 / Double(b)
        loss = loss * invW + 0.5 * reg * squaredNorm(w1, w2)
        let gradients = hiddenLayerGradients(x: xb.values, d: d, hidden: hidden, h: h, dz: dz, k: k, rows: b, w1: w1, w2: w2, reg: reg)
        hidden.removeAll()
        return (loss, gradients, wsum)
    }

    private func forwardHidden(_ xv: [Double], rows: Int) -> [Double] {
        let d = featureCount, h = hiddenUnits
        var hidden = [Double](repeating: 0, count: rows * h)
        gemmRaw(false, false, rows, h, d, xv, d, w1, h, &hidden, h, 0)
        for r in 0..<rows { for j in 0..<h { hidden[r * h + j] = max(hidden[r * h + j] + b1[j], 0) } }
        return hidden
    }

    public func predictProbabilities(_ x: Matrix) -> Matrix {
        precondition(x.cols == featureCount, "MultilayerPerceptron: \(x.cols) features, fitted on \(featureCount)")
        let h = hiddenUnits, k = classCount
        let hidden = forwardHidden(x.values, rows: x.rows)
        var z = [Double](repeating: 0, count: x.rows * k)
        gemmRaw(false, false, x.rows, k, h, hidden, h, w2, k, &z, k, 0)
        for r in 0..<x.rows {
            var m = -Double.infinity
            for j in 0..<k { z[r * k + j] += b2[j]; m = max(m, z[r * k + j]) }
            var s = 0.0
            for j in 0..<k { z[r * k + j] = exp(z[r * k + j] - m); s += z[r * k + j] }
            for j in 0..<k { z[r * k + j] /= s }
        }
        return Matrix(rows: x.rows, cols: k, values: z)
    }
}

/// Adam moments for a list of parameter blocks (β₁ = 0.9, β₂ = 0.999, ε = 1e-8).
struct AdamState {
    var m: [[Double]]
    var v: [[Double]]
    var t = 0

    init(sizes: [Int]) {
        m = sizes.map { [Double](repeating: 0, count: $0) }
        v = m
    }

    /// Updates the moments with `grads` and returns the steps to subtract from each block.
    mutating func step(grads: [[Double]], learningRate: Double) -> [[Double]] {
        t += 1
        let b1 = 0.9, b2 = 0.999, eps = 1e-8
        let lr = learningRate * (1 - pow(b2, Double(t))).squareRoot() / (1 - pow(b1, Double(t)))
        return grads.enumerated().map { index, g in
            var delta = [Double](repeating: 0, count: g.count)
            for i in 0..<g.count {
                m[index][i] = b1 * m[index][i] + (1 - b1) * g[i]
                v[index][i] = b2 * v[index][i] + (1 - b2) * g[i] * g[i]
                delta[i] = lr * m[index][i] / (v[index][i].squareRoot() + eps)
            }
            return delta
        }
    }
}

/// `C = op(A)·op(B) + beta·C` on row-major arrays (BLAS dgemm).
func gemmRaw(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
             _ a: [Double], _ lda: Int, _ b: [Double], _ ldb: Int,
             _ c: inout [Double], _ ldc: Int, _ beta: Double) {
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
        for i in 0..<c.count { c[i] *= beta }
        return
    }
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                            blasint(m), blasint(n), blasint(k), 1.0, pa.baseAddress, blasint(lda),
                            pb.baseAddress, blasint(ldb), beta, pc.baseAddress, blasint(ldc))
            }
        }
    }
}

/// Gradients of the one-hidden-layer ReLU network `z = relu(x·W₁ + b₁)·W₂ + b₂` shared by the perceptrons, from
/// `dz = ∂L/∂z` (`b × k`), the batch `x` (`b × d`) and its hidden activations (`b × h`), with the L2 term `reg·W`
/// on the kernels:
///
///     ∂L/∂W₂ = hᵀ·dz + reg·W₂     ∂L/∂b₂ = Σ_r dz     ∂L/∂h = dz·W₂ᵀ ⊙ 1[h > 0]
///     ∂L/∂W₁ = xᵀ·∂L/∂h + reg·W₁  ∂L/∂b₁ = Σ_r ∂L/∂h
///
/// Returns `[∂W₁, ∂b₁, ∂W₂, ∂b₂]`.
func hiddenLayerGradients(x: [Double], d: Int, hidden: [Double], h: Int, dz: [Double], k: Int, rows b: Int,
                          w1: [Double], w2: [Double], reg: Double) -> [[Double]] {
    var gW2 = w2.map { $0 * reg }
    gemmRaw(true, false, h, k, b, hidden, h, dz, k, &gW2, k, 1)
    var gb2 = [Double](repeating: 0, count: k)
    for r in 0..<b { for j in 0..<k { gb2[j] += dz[r * k + j] } }
    var dh = [Double](repeating: 0, count: b * h)
    gemmRaw(false, true, b, h, k, dz, k, w2, k, &dh, h, 0)
    for i in 0..<(b * h) where hidden[i] <= 0 { dh[i] = 0 }
    var gW1 = w1.map { $0 * reg }
    gemmRaw(true, false, d, h, b, x, d, dh, h, &gW1, h, 1)
    var gb1 = [Double](repeating: 0, count: h)
    for r in 0..<b { for j in 0..<h { gb1[j] += dh[r * h + j] } }
    return [gW1, gb1, gW2, gb2]
}

/// `Σ w²` over both kernels (the L2 penalty before its factor).
func squaredNorm(_ w1: [Double], _ w2: [Double]) -> Double {
    var s = 0.0
    for v in w1 { s += v * v }
    for v in w2 { s += v * v }
    return s
}

/// `θ ← θ − Δ` for the four parameter arrays `[W₁, b₁, W₂, b₂]` of a one-hidden-layer network.
func subtract(_ deltas: [[Double]], from w1: inout [Double], _ b1: inout [Double], _ w2: inout [Double], _ b2: inout [Double]) {
    for i in 0..<w1.count { w1[i] -= deltas[0][i] }
    for i in 0..<b1.count { b1[i] -= deltas[1][i] }
    for i in 0..<w2.count { w2[i] -= deltas[2][i] }
    for i in 0..<b2.count { b2[i] -= deltas[3][i] }
}
