import Foundation
import GenreKitCore

/// The parameters of the one-hidden-layer ReLU network both perceptrons train, `z = relu(x·W₁ + b₁)·W₂ + b₂`
/// (row-major `W₁: d × h`, `b₁: h`, `W₂: h × k`, `b₂: k`), and its forward pass.
struct HiddenLayerNetwork: Sendable {
    var w1: [Double]
    var b1: [Double]
    var w2: [Double]
    var b2: [Double]
    let inputs: Int
    let hidden: Int
    let outputs: Int

    /// Glorot-uniform weights and biases `U(±√(6/(fan_in+fan_out)))` (as scikit-learn), drawn from `rng` in the
    /// order `W₁, b₁, W₂, b₂`.
    init(inputs d: Int, hidden h: Int, outputs k: Int, generator rng: inout SeededGenerator) {
        func glorot(_ count: Int, _ fanIn: Int, _ fanOut: Int) -> [Double] {
            let bound = (6.0 / Double(fanIn + fanOut)).squareRoot()
            return (0..<count).map { _ in (rng.nextUnit() * 2 - 1) * bound }
        }
        w1 = glorot(d * h, d, h); b1 = glorot(h, d, h)
        w2 = glorot(h * k, h, k); b2 = glorot(k, h, k)
        inputs = d; hidden = h; outputs = k
    }

    init(w1: [Double], b1: [Double], w2: [Double], b2: [Double], inputs: Int, hidden: Int, outputs: Int) {
        self.w1 = w1; self.b1 = b1; self.w2 = w2; self.b2 = b2
        self.inputs = inputs; self.hidden = hidden; self.outputs = outputs
    }

    /// `relu(x·W₁ + b₁)` of `rows` row-major input rows, `rows × h`.
    func hiddenActivations(_ x: [Double], rows: Int) -> [Double] {
        let d = inputs, h = hidden
        var a = [Double](repeating: 0, count: rows * h)
        Matrix.gemm(false, false, rows, h, d, x, d, w1, h, &a, h, 0)
        for r in 0..<rows { for j in 0..<h { a[r * h + j] = max(a[r * h + j] + b1[j], 0) } }
        return a
    }

    /// `hidden·W₂` (without `b₂`), `rows × k`.
    func outputsBeforeBias(_ hiddenActivations: [Double], rows: Int) -> [Double] {
        var z = [Double](repeating: 0, count: rows * outputs)
        Matrix.gemm(false, false, rows, outputs, hidden, hiddenActivations, hidden, w2, outputs, &z, outputs, 0)
        return z
    }

    /// A batch's forward pass: its input rows, hidden activations, outputs before `b₂`, and total sample weight.
    struct BatchPass {
        let x: [Double]
        let hidden: [Double]
        let z: [Double]
        let rows: Int
        let weight: Double
    }

    /// The forward pass of rows `batch` of `x`, with their sample `weights`.
    func forward(_ x: Matrix, batch: [Int], weights: [Double]) -> BatchPass {
        let xb = x.selectingRows(batch)
        let hidden = hiddenActivations(xb.values, rows: batch.count)
        var wsum = 0.0
        for i in batch { wsum += weights[i] }
        return BatchPass(x: xb.values, hidden: hidden, z: outputsBeforeBias(hidden, rows: batch.count), rows: batch.count, weight: wsum)
    }

    /// A batch's loss `lossSum·scale + ½·(l2/b)·‖W‖²`, its gradients from `dz`, and its weight.
    func result(_ pass: BatchPass, lossSum: Double, scale: Double, dz: [Double], l2: Double)
        -> (loss: Double, gradients: [[Double]], weight: Double) {
        let reg = l2 / Double(pass.rows)
        let loss = lossSum * scale + 0.5 * reg * squaredKernelNorm
        return (loss, gradients(x: pass.x, hiddenActivations: pass.hidden, dz: dz, rows: pass.rows, reg: reg), pass.weight)
    }

    /// Gradients from `dz = ∂L/∂z` (`b × k`) of a batch `x` (`b × d`) with its hidden activations (`b × h`), with
    /// the L2 term `reg·W` on the kernels:
    ///
    ///     ∂L/∂W₂ = hᵀ·dz + reg·W₂     ∂L/∂b₂ = Σ_r dz     ∂L/∂h = dz·W₂ᵀ ⊙ 1[h > 0]
    ///     ∂L/∂W₁ = xᵀ·∂L/∂h + reg·W₁  ∂L/∂b₁ = Σ_r ∂L/∂h
    ///
    /// Returns `[∂W₁, ∂b₁, ∂W₂, ∂b₂]`.
    func gradients(x: [Double], hiddenActivations hidden: [Double], dz: [Double], rows b: Int, reg: Double) -> [[Double]] {
        let d = inputs, h = self.hidden, k = outputs
        var gW2 = w2.map { $0 * reg }
        Matrix.gemm(true, false, h, k, b, hidden, h, dz, k, &gW2, k, 1)
        var gb2 = [Double](repeating: 0, count: k)
        for r in 0..<b { for j in 0..<k { gb2[j] += dz[r * k + j] } }
        var dh = [Double](repeating: 0, count: b * h)
        Matrix.gemm(false, true, b, h, k, dz, k, w2, k, &dh, h, 0)
        for i in 0..<(b * h) where hidden[i] <= 0 { dh[i] = 0 }
        var gW1 = w1.map { $0 * reg }
        Matrix.gemm(true, false, d, h, b, x, d, dh, h, &gW1, h, 1)
        var gb1 = [Double](repeating: 0, count: h)
        for r in 0..<b { for j in 0..<h { gb1[j] += dh[r * h + j] } }
        return [gW1, gb1, gW2, gb2]
    }

    /// `θ ← θ − Δ` for `[W₁, b₁, W₂, b₂]`.
    mutating func subtract(_ deltas: [[Double]]) {
        for i in 0..<w1.count { w1[i] -= deltas[0][i] }
        for i in 0..<b1.count { b1[i] -= deltas[1][i] }
        for i in 0..<w2.count { w2[i] -= deltas[2][i] }
        for i in 0..<b2.count { b2[i] -= deltas[3][i] }
    }

    /// `Σ w²` over both kernels (the L2 penalty before its factor).
    var squaredKernelNorm: Double {
        var s = 0.0
        for v in w1 { s += v * v }
        for v in w2 { s += v * v }
        return s
    }
}
