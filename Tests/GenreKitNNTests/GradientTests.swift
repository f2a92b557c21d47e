import XCTest
@testable import GenreKitNN

/// Finite-difference checks of every backward pass and loss gradient (normwise relative error
/// ≤ 1e-3), plus exact small examples. Set GRADIENT_REPORT=1 to print the errors.
final class GradientTests: XCTestCase {
    typealias FD = FiniteDifference

    // MARK: Convolution

    func testConv2DBackwardMatchesFiniteDifferences() {
        var rng = TestRNG(seed: 101)
        // (input [n, h, w, ci], kernel [kh, kw, ci, co], strides, padding)
        let cases: [([Int], [Int], (Int, Int), Padding)] = [
            ([2, 5, 4, 3], [3, 2, 3, 4], (1, 1), .valid),
            ([1, 6, 5, 2], [4, 3, 2, 3], (1, 1), .same),      // even kernel: asymmetric 'same' padding
            ([2, 4, 3, 3], [1, 1, 3, 2], (1, 1), .same),      // pointwise path (no im2col)
            ([1, 7, 6, 2], [3, 3, 2, 2], (2, 2), .same),
            ([1, 3, 2, 2], [5, 1, 2, 2], (1, 1), .same),      // kernel taller than the input
        ]
        for (xs, ks, strides, padding) in cases {
            let x = rng.tensor(xs), k = rng.tensor(ks), b = rng.array(ks[3])
            let conv = Conv2D(kernel: k, bias: b, strides: strides, padding: padding)
            let r = rng.tensor(conv.outputShape(for: xs))
            let grads = Conv2DBackward(conv)(input: x, outputGradient: r)
            let name = "conv x\(xs) k\(ks) s\(strides) \(padding)"
            let nx = FD.gradient(x.values) { v in
                FD.dot(conv(Tensor(shape: xs, values: v)).values, r.values)
            }
            assertGradient(grads.input.values, nx, name + " ∂x")
            let nk = FD.gradient(k.values) { v in
                FD.dot(Conv2D(kernel: Tensor(shape: ks, values: v), bias: b, strides: strides, padding: padding)(x).values, r.values)
            }
            assertGradient(grads.kernel.values, nk, name + " ∂W")
            let nb = FD.gradient(b) { v in
                FD.dot(Conv2D(kernel: k, bias: v, strides: strides, padding: padding)(x).values, r.values)
            }
            assertGradient(grads.bias, nb, name + " ∂b")
        }
    }

    /// A shape large enough for several im2col row blocks, against direct float64 loops.
    func testConv2DBackwardBlockedMatchesNaive() {
        var rng = TestRNG(seed: 102)
        let (h, w, ci, kh, kw, co) = (12, 12, 16, 8, 8, 2)
        let x = rng.tensor([1, h, w, ci]), k = rng.tensor([kh, kw, ci, co])
        let (oh, pt) = Padding.same.output(inputSize: h, kernel: kh, stride: 1)
        let (ow, pl) = Padding.same.output(inputSize: w, kernel: kw, stride: 1)
        XCTAssertGreaterThan(oh * ow, Conv2D.im2colBudget / (2 * kh * kw * ci + co), "needs several row blocks")
        let g = rng.tensor([1, oh, ow, co])
        let grads = Conv2DBackward(kernel: k, padding: .same)(input: x, outputGradient: g)
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: k.count)
        let xv = x.values.map(Double.init), kv = k.values.map(Double.init), gv = g.values.map(Double.init)
        for a in 0..<oh { for q in 0..<ow { for o in 0..<co {
            let go = gv[(a * ow + q) * co + o]
            for i in 0..<kh { for j in 0..<kw {
                let ih = a + i - pt, iw = q + j - pl
                if ih < 0 || ih >= h || iw < 0 || iw >= w { continue }
                let xb = (ih * w + iw) * ci, kb = (i * kw + j) * ci
                for c in 0..<ci {
                    dx[xb + c] += go * kv[(kb + c) * co + o]
                    dw[(kb + c) * co + o] += go * xv[xb + c]
                }
            } }
        } } }
        assertGradient(grads.input.values, dx, tolerance: 1e-5, "blocked conv ∂x")
        assertGradient(grads.kernel.values, dw, tolerance: 1e-5, "blocked conv ∂W")
    }

    // MARK: Dense

    func testDenseBackwardMatchesFiniteDifferences() {
        var rng = TestRNG(seed: 103)
        let x = rng.tensor([3, 5]), w = rng.tensor([5, 4]), b = rng.array(4)
        let r = rng.tensor([3, 4])
        let grads = DenseBackward(weight: w)(input: x, outputGradient: r)
        let nx = FD.gradient(x.values) { FD.dot(Dense(weight: w, bias: b)(Tensor(shape: [3, 5], values: $0)).values, r.values) }
        let nw = FD.gradient(w.values) { FD.dot(Dense(weight: Tensor(shape: [5, 4], values: $0), bias: b)(x).values, r.values) }
        let nb = FD.gradient(b) { FD.dot(Dense(weight: w, bias: $0)(x).values, r.values) }
        assertGradient(grads.input.values, nx, "dense ∂x")
        assertGradient(grads.weight.values, nw, "dense ∂W")
        assertGradient(grads.bias, nb, "dense ∂b")
    }

    // MARK: Batch norm

    /// Float64 reference of training-mode batch norm: `Σ r·(γ·(x − μ_B)/√(σ²_B + ε) + β)`.
    static func batchNormTrainingLoss(_ x: [Double], gamma: [Double], beta: [Double], r: [Float], eps: Double = 1e-3) -> Double {
        let c = gamma.count, m = x.count / c
        var loss = 0.0
        for j in 0..<c {
            var mu = 0.0
            for i in 0..<m { mu += x[i * c + j] }
            mu /= Double(m)
            var v = 0.0
            for i in 0..<m { v += (x[i * c + j] - mu) * (x[i * c + j] - mu) }
            v /= Double(m)
            let s = 1 / (v + eps).squareRoot()
            for i in 0..<m { loss += Double(r[i * c + j]) * (gamma[j] * (x[i * c + j] - mu) * s + beta[j]) }
        }
        return loss
    }

    func testBatchNormTrainingBackwardMatchesFiniteDifferences() {
        var rng = TestRNG(seed: 104)
        for shape in [[3, 4, 2, 3], [6, 5]] {
            let c = shape.last!
            let x = rng.tensor(shape, -2, 2), r = rng.tensor(shape)
            let gamma = rng.array(c, 0.5, 1.5), beta = rng.array(c)
            var bn = BatchNormTraining(gamma: gamma, beta: beta, movingMean: rng.array(c), movingVariance: rng.array(c, 0.5, 2))
            let before = bn
            let (y, cache) = bn.forwardTraining(x)
            let grads = BatchNormBackward.training(outputGradient: r, cache: cache, gamma: gamma)
            let x64 = x.values.map(Double.init), g64 = gamma.map(Double.init), b64 = beta.map(Double.init)
            // Forward against the reference (loss linear in r: compare per element via unit r).
            let m = x.count / c
            for j in 0..<c {
                let col = (0..<m).map { Double(x.values[$0 * c + j]) }
                let mu = col.reduce(0, +) / Double(m)
                let v = col.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(m)
                for i in 0..<m {
                    let ref = g64[j] * (col[i] - mu) / (v + 1e-3).squareRoot() + b64[j]
                    XCTAssertEqual(Double(y.values[i * c + j]), ref, accuracy: 1e-5)
                }
                // Moving statistics, momentum 0.99; Bessel-corrected variance for 4-D inputs only
                // (TF1's fused kernel), biased for [N, C] (nn.moments).
                let c4 = shape.count == 4 ? Double(m) / Double(m - 1) : 1
                XCTAssertEqual(Double(bn.movingMean[j]), 0.99 * Double(before.movingMean[j]) + 0.01 * mu, accuracy: 1e-6)
                XCTAssertEqual(Double(bn.movingVariance[j]),
                               0.99 * Double(before.movingVariance[j]) + 0.01 * v * c4, accuracy: 1e-6)
            }
            let nx = FD.gradient64(x64) { Self.batchNormTrainingLoss($0, gamma: g64, beta: b64, r: r.values) }
            let ng = FD.gradient64(g64) { Self.batchNormTrainingLoss(x64, gamma: $0, beta: b64, r: r.values) }
            let nb = FD.gradient64(b64) { Self.batchNormTrainingLoss(x64, gamma: g64, beta: $0, r: r.values) }
            assertGradient(grads.input.values, nx, "batch norm (training) \(shape) ∂x")
            assertGradient(grads.gamma, ng, "batch norm (training) \(shape) ∂γ")
            assertGradient(grads.beta, nb, "batch norm (training) \(shape) ∂β")
        }
    }

    func testBatchNormInferenceBackwardMatchesFiniteDifferences() {
        var rng = TestRNG(seed: 105)
        let shape = [2, 3, 2, 4], c = 4
        let x = rng.tensor(shape, -2, 2), r = rng.tensor(shape)
        let gamma = rng.array(c, 0.5, 1.5), beta = rng.array(c), mean = rng.array(c), variance = rng.array(c, 0.5, 2)
        let layer = BatchNormTraining(gamma: gamma, beta: beta, movingMean: mean, movingVariance: variance)
        assertClose(layer.forwardInference(x), BatchNorm(gamma: gamma, beta: beta, mean: mean, variance: variance)(x))
        let grads = BatchNormBackward.inference(layer, input: x, outputGradient: r)
        func loss(_ x: [Float], _ g: [Float], _ b: [Float]) -> Double {
            FD.dot(BatchNorm(gamma: g, beta: b, mean: mean, variance: variance)(Tensor(shape: shape, values: x)).values, r.values)
        }
        assertGradient(grads.input.values, FD.gradient(x.values) { loss($0, gamma, beta) }, "batch norm (inference) ∂x")
        assertGradient(grads.gamma, FD.gradient(gamma) { loss(x.values, $0, beta) }, "batch norm (inference) ∂γ")
        assertGradient(grads.beta, FD.gradient(beta) { loss(x.values, gamma, $0) }, "batch norm (inference) ∂β")
    }

    // MARK: Activations

    func testActivationBackwardMatchesFiniteDifferences() {
        var rng = TestRNG(seed: 106)
        // Keep |z| ≥ 0.05 so ReLU has no kink within the step.
        let z = Tensor(shape: [4, 6], values: rng.array(24).map { $0 < 0 ? $0 - 0.05 : $0 + 0.05 })
        let r = rng.tensor([4, 6])
        let relu = Activation.relu.backward(preActivation: z, outputGradient: r)
        assertGradient(relu.values, FD.gradient(z.values, step: 1e-2, relative: false) {
            FD.dot(Tensor(shape: [4, 6], values: $0).relu().values, r.values)
        }, "relu ∂x")
        let sig = Activation.sigmoid.backward(preActivation: z, outputGradient: r)
        assertGradient(sig.values, FD.gradient64(z.values.map(Double.init)) { v in
            zip(v, r.values).reduce(0.0) { $0 + Double($1.1) / (1 + exp(-$1.0)) }
        }, "sigmoid ∂x")
        XCTAssertEqual(Activation.identity.backward(preActivation: z, outputGradient: r), r)
        // TensorFlow's ReluGrad passes nothing at exactly 0.
        let zero = Activation.relu.backward(preActivation: Tensor(shape: [3], values: [-1, 0, 1]),
                                            outputGradient: Tensor(shape: [3], values: [5, 6, 7]))
        XCTAssertEqual(zero.values, [0, 0, 7])
    }

    // MARK: Pooling and reductions

    func testMaxPool2DBackwardMatchesFiniteDifferences() {
        var rng = TestRNG(seed: 107)
        let cases: [([Int], (Int, Int), (Int, Int))] = [
            ([2, 6, 4, 3], (2, 2), (2, 2)),
            ([1, 7, 5, 2], (3, 2), (1, 2)),     // overlapping windows, ragged edge
            ([1, 8, 3, 2], (4, 1), (4, 1)),     // musicnn-style pooling over time only
        ]
        for (xs, pool, strides) in cases {
            let x = Tensor(shape: xs, values: rng.distinct(xs.reduce(1, *)))
            let r = rng.tensor(x.maxPool2D(pool: pool, strides: strides).shape)
            let dx = MaxPool2DBackward(pool: pool, strides: strides)(input: x, outputGradient: r)
            let n = FD.gradient(x.values, step: 1e-2, relative: false) {
                FD.dot(Tensor(shape: xs, values: $0).maxPool2D(pool: pool, strides: strides).values, r.values)
            }
            assertGradient(dx.values, n, "max pool \(xs) pool \(pool) strides \(strides) ∂x")
        }
    }

    func testMaxPool2DBackwardSendsTiesToTheFirstMaximum() {
        // One 2×2 window, all equal: the gradient goes to the first element in row-major order.
        let x = Tensor(shape: [1, 2, 2, 1], values: [3, 3, 3, 3])
        let dx = MaxPool2DBackward(pool: (2, 2), strides: (2, 2))(input: x, outputGradient: Tensor(shape: [1, 1, 1, 1], values: [5]))
        XCTAssertEqual(dx.values, [5, 0, 0, 0])
        // Overlapping windows accumulate on a shared maximum.
        let y = Tensor(shape: [1, 3, 1, 1], values: [0, 9, 1])
        let dy = MaxPool2DBackward(pool: (2, 1), strides: (1, 1))(input: y, outputGradient: Tensor(shape: [1, 2, 1, 1], values: [2, 3]))
        XCTAssertEqual(dy.values, [0, 5, 0])
    }

    func testReductionBackwardMatchesFiniteDifferences() {
        var rng = TestRNG(seed: 108)
        let shape = [2, 5, 3, 4]
        let x = Tensor(shape: shape, values: rng.distinct(120))
        for axis in 0..<4 {
            var reduced = shape
            reduced.remove(at: axis)
            let r = rng.tensor(reduced)
            let dMean = ReductionBackward(.mean, axis: axis)(input: x, outputGradient: r)
            assertGradient(dMean.values, FD.gradient(x.values) {
                FD.dot(Tensor(shape: shape, values: $0).mean(alongAxis: axis).values, r.values)
            }, "mean over axis \(axis) ∂x")
            let dMax = ReductionBackward(.max, axis: axis)(input: x, outputGradient: r)
            assertGradient(dMax.values, FD.gradient(x.values, step: 1e-2, relative: false) {
                FD.dot(Tensor(shape: shape, values: $0).max(alongAxis: axis).values, r.values)
            }, "max over axis \(axis) ∂x")
        }
        // Ties share the gradient equally (TensorFlow's reduce_max gradient).
        let t = Tensor(shape: [1, 4], values: [2, 7, 7, 1])
        XCTAssertEqual(ReductionBackward(.max, axis: 1)(input: t, outputGradient: Tensor(shape: [1], values: [6])).values, [0, 3, 3, 0])
    }

    // MARK: Shape operations

    func testPadBackwardMatchesFiniteDifferences() {
        var rng = TestRNG(seed: 109)
        // Pad.
        let x = rng.tensor([2, 3, 4])
        let paddings: [(before: Int, after: Int)] = [(1, 0), (2, 1), (0, 3)]
        let rp = rng.tensor(x.padded(paddings).shape)
        let dp = PadBackward(paddings: paddings)(outputGradient: rp)
        assertGradient(dp.values, FD.gradient(x.values) {
            FD.dot(Tensor(shape: [2, 3, 4], values: $0).padded(paddings, value: 0.5).values, rp.values)
        }, "pad ∂x")
    }

    // MARK: Dropout

    func testDropoutIsSeededInvertedAndDifferentiable() {
        var rng = TestRNG(seed: 110)
        let x = rng.tensor([8, 50]), r = rng.tensor([8, 50])
        let drop = Dropout(rate: 0.3)
        let (y, mask) = drop.forward(x, seed: 42)
        XCTAssertEqual(drop.forward(x, seed: 42).mask, mask, "same seed, same mask")
        XCTAssertNotEqual(drop.forward(x, seed: 43).mask, mask)
        XCTAssert(mask.allSatisfy { $0 == 0 || $0 == 1 / Float(0.7) })
        let kept = Double(mask.filter { $0 != 0 }.count) / Double(mask.count)
        XCTAssertEqual(kept, 0.7, accuracy: 0.06)
        for i in 0..<x.count { XCTAssertEqual(y.values[i], x.values[i] * mask[i]) }
        let dx = drop.backward(outputGradient: r, mask: mask)
        assertGradient(dx.values, FD.gradient(x.values) {
            FD.dot(drop.forward(Tensor(shape: [8, 50], values: $0), seed: 42).output.values, r.values)
        }, "dropout ∂x")
        XCTAssertEqual(Dropout(rate: 0).forward(x, seed: 1).output, x)
    }

    // MARK: Losses

    func testSoftmaxCrossEntropyGradientMatchesFiniteDifferences() {
        var rng = TestRNG(seed: 111)
        let z = rng.tensor([4, 5], -3, 3), labels = [0, 3, 4, 3], weights = rng.array(5, 0.5, 2)
        for w in [nil, weights] {
            let result = SoftmaxCrossEntropy(classWeights: w)(logits: z, labels: labels)
            let n = FD.gradient64(z.values.map(Double.init)) { v in
                var total = 0.0
                for b in 0..<4 {
                    let row = Array(v[(b * 5)..<(b * 5 + 5)])
                    let lse = log(row.map { exp($0) }.reduce(0, +))
                    total += Double(w?[labels[b]] ?? 1) * (lse - row[labels[b]])
                }
                return total / 4
            }
            assertGradient(result.gradient.values, n, "softmax cross-entropy (weights: \(w != nil)) ∂z")
        }
    }

    func testSoftmaxCrossEntropySmallExample() {
        // Row 1: logits (0, 0), label 0, weight 2 → 2·ln 2. Row 2: logits (0, ln 3), label 1,
        // p = (1/4, 3/4), weight 1 → −ln(3/4). Mean over the batch of 2.
        let z = Tensor(shape: [2, 2], values: [0, 0, 0, Float(log(3.0))])
        let result = SoftmaxCrossEntropy(classWeights: [2, 1])(logits: z, labels: [0, 1])
        XCTAssertEqual(result.loss, 0.8369882, accuracy: 1e-6)
        let expected: [Float] = [-0.5, 0.5, 0.125, -0.125]     // (w/B)·(p − onehot)
        for (a, e) in zip(result.gradient.values, expected) { XCTAssertEqual(a, e, accuracy: 1e-6) }
        // Large logits stay finite.
        let big = SoftmaxCrossEntropy()(logits: Tensor(shape: [1, 2], values: [1000, -1000]), labels: [1])
        XCTAssertEqual(big.loss, 2000, accuracy: 1e-3)
        XCTAssertEqual(big.gradient.values, [1, -1])
    }

    // MARK: Composition

    /// A musicnn-like chain: time padding → 7-frame conv over all bins → batch norm (training) →
    /// max and mean over time → concat → dense, checked end to end (∂x and ∂W_conv).
    func testChainedBackwardMatchesFiniteDifferences() {
        var rng = TestRNG(seed: 115)
        let (n, t, f, c, filters) = (2, 8, 5, 2, 4)
        let x = rng.tensor([n, t, f, c]), k = rng.tensor([7, f, c, filters], -0.5, 0.5), b = rng.array(filters)
        let bn0 = BatchNormTraining(gamma: rng.array(filters, 0.5, 1.5), beta: rng.array(filters),
                                    movingMean: [Float](repeating: 0, count: filters),
                                    movingVariance: [Float](repeating: 1, count: filters))
        let dense = Dense(weight: rng.tensor([2 * filters, 3]), bias: rng.array(3))
        let r = rng.tensor([n, 3])
        let pads: [(before: Int, after: Int)] = [(0, 0), (3, 3), (0, 0), (0, 0)]
        func forward(_ x: Tensor, _ k: Tensor) -> Double {
            var bn = bn0
            let z = Conv2D(kernel: k, bias: b)(x.padded(pads)).reshaped([n, t, filters])
            let y = bn.forwardTraining(z).output
            let pooled = Tensor.concatenate([y.max(alongAxis: 1), y.mean(alongAxis: 1)], alongAxis: 1)
            return FD.dot(dense(pooled).values, r.values)
        }
        // Forward with caches.
        var bn = bn0
        let xp = x.padded(pads)
        let conv = Conv2D(kernel: k, bias: b)
        let z = conv(xp).reshaped([n, t, filters])
        let (y, cache) = bn.forwardTraining(z)
        let mx = y.max(alongAxis: 1), me = y.mean(alongAxis: 1)
        let pooled = Tensor.concatenate([mx, me], alongAxis: 1)
        // Backward.
        let gPooled = DenseBackward(dense)(input: pooled, outputGradient: r).input
        let gParts = [0, filters].map { off in
            Tensor(shape: [n, filters], values: (0..<(n * filters)).map { gPooled.values[($0 / filters) * 2 * filters + off + $0 % filters] })
        }
        let gy = ReductionBackward(.max, axis: 1)(input: y, outputGradient: gParts[0])
            + ReductionBackward(.mean, axis: 1)(input: y, outputGradient: gParts[1])
        let gz = BatchNormBackward.training(outputGradient: gy, cache: cache, gamma: bn0.gamma).input
        let gConv = Conv2DBackward(conv)(input: xp, outputGradient: gz.reshaped([n, t, 1, filters]))
        let gx = PadBackward(paddings: pads)(outputGradient: gConv.input)
        let nx = FD.gradient(x.values, step: 1e-2) { forward(Tensor(shape: x.shape, values: $0), k) }
        let nk = FD.gradient(k.values, step: 1e-2) { forward(x, Tensor(shape: k.shape, values: $0)) }
        assertGradient(gx.values, nx, "chain ∂x")
        assertGradient(gConv.kernel.values, nk, "chain ∂W")
    }
}
