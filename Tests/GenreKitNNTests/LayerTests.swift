import XCTest
@testable import GenreKitNN

final class LayerTests: XCTestCase {
    func testPaddingArithmeticMatchesTensorFlow() {
        // 'same', stride 1: (k−1)/2 before.
        XCTAssertEqual(Padding.same.output(inputSize: 187, kernel: 128, stride: 1).size, 187)
        XCTAssertEqual(Padding.same.output(inputSize: 187, kernel: 128, stride: 1).padBefore, 63)
        XCTAssertEqual(Padding.same.output(inputSize: 187, kernel: 64, stride: 1).padBefore, 31)
        XCTAssertEqual(Padding.same.output(inputSize: 10, kernel: 3, stride: 2).size, 5)
        XCTAssertEqual(Padding.same.output(inputSize: 10, kernel: 3, stride: 2).padBefore, 0)
        XCTAssertEqual(Padding.valid.output(inputSize: 193, kernel: 7, stride: 1).size, 187)
        XCTAssertEqual(Padding.valid.output(inputSize: 187, kernel: 4, stride: 2).size, 92)
    }

    func testConvMatchesNaiveOnRandomShapes() {
        var rng = TestRNG(seed: 10)
        for trial in 0..<40 {
            let n = rng.int(1...3), h = rng.int(1...12), w = rng.int(1...10), ci = rng.int(1...5), co = rng.int(1...7)
            let kh = rng.int(1...min(h + 2, 6)), kw = rng.int(1...min(w + 2, 6))
            let strides = (rng.int(1...3), rng.int(1...3))
            let padding: Padding = trial % 2 == 0 ? .same : .valid
            let x = rng.tensor([n, h, w, ci])
            let k = rng.tensor([kh, kw, ci, co])
            let b = rng.array(co)
            let conv = Conv2D(kernel: k, bias: b, strides: strides, padding: padding)
            let y = conv(x)
            let ref = Naive.conv2d(x, k, bias: b, strides: strides, padding: padding)
            assertClose(y, ref, "trial \(trial) x \(x.shape) k \(k.shape) s \(strides) \(padding)")
        }
    }

    func testConvLargeKernelsAndBlocking() {
        // musicnn-like shapes: 1 input channel, tall/wide kernels, several im2col blocks.
        var rng = TestRNG(seed: 11)
        for (h, w, kh, kw, padding) in [(40, 20, 7, 9, .valid), (50, 8, 32, 1, .same), (21, 6, 7, 6, .valid)] as [(Int, Int, Int, Int, Padding)] {
            let x = rng.tensor([2, h, w, 1], 0, 8.8)
            let k = rng.tensor([kh, kw, 1, 5], -0.1, 0.1)
            let b = rng.array(5)
            let y = Conv2D(kernel: k, bias: b, padding: padding)(x)
            assertClose(y, Naive.conv2d(x, k, bias: b, strides: (1, 1), padding: padding))
        }
    }

    func testConvFusedReluAndBatchNorm() {
        var rng = TestRNG(seed: 12)
        let x = rng.tensor([2, 9, 7, 3])
        let k = rng.tensor([3, 3, 3, 4])
        let b = rng.array(4)
        let bn = BatchNorm(gamma: rng.array(4), beta: rng.array(4), mean: rng.array(4), variance: rng.array(4, 0.1, 2))
        let y = Conv2D(kernel: k, bias: b, padding: .same, activation: .relu)(x, followedBy: bn)
        let ref = bn(Naive.conv2d(x, k, bias: b, strides: (1, 1), padding: .same).relu())
        assertClose(y, ref)
        // 1×1 fast path
        let k1 = rng.tensor([1, 1, 3, 4])
        assertClose(Conv2D(kernel: k1, bias: b)(x), Naive.conv2d(x, k1, bias: b, strides: (1, 1), padding: .valid))
    }

    /// int8 convolution (the input quantised once, im2col of int8 values): `bn(relu(s_a·s_w[c]·Σ q_a·q_w + b))`, with
    /// `q_a = clamp(round(x · (1/s_a)), ±127)` and the weights' per-channel quantisation, in double precision. The
    /// integer sums are exact; then one rounding for `s_a·s_w`, one for the product, one each for the bias, the BN
    /// product and sum: within `|s|·3u·(|z| + |b|) + 2u·|y| + u·|t|`.
    func testConvInt8MatchesTheDefinition() throws {
        guard InferencePrecision.int8.effectiveHere.precision == .int8 else {
            throw XCTSkip("this CPU runs int8 as fp32 (\(DNNLEngine.effectiveISA))")
        }
        var rng = TestRNG(seed: 14)
        // musicnn's mid end (7×1 over time, 'same'), a 3×3 kernel, and the 1×1 fast path.
        for (xShape, kShape, pad) in [([2, 30, 1, 6], [7, 1, 6, 5], Padding.same), ([2, 9, 7, 3], [3, 3, 3, 4], .same),
                                      ([3, 5, 4, 8], [1, 1, 8, 6], .valid)] {
            let x = rng.tensor(xShape, -2, 2)
            let conv = Conv2D(kernel: rng.tensor(kShape), bias: rng.array(kShape[3]), padding: pad, activation: .relu)
            let co = kShape[3]
            let bn = BatchNorm(gamma: rng.array(co, -1.5, 1.5), beta: rng.array(co), mean: rng.array(co), variance: rng.array(co, 0.1, 2))
            let sa: Float = 1.75 / 127                                   // clips the largest inputs
            let y = conv(x, followedBy: bn, precision: .int8, activationScale: sa)
            let q = conv.weights.quantized
            let qx = Tensor(shape: x.shape, values: x.values.map { Swift.min(Swift.max(($0 * (1 / sa)).rounded(), -127), 127) })
            let qk = Tensor(shape: conv.kernel.shape, values: q.values.map(Float.init))
            // Σ q_a·q_w is a sum of integers below 2²⁴: exact in float32 whatever the order.
            let sums = Naive.conv2d(qx, qk, bias: [Float](repeating: 0, count: co), strides: (1, 1), padding: pad)
            XCTAssertEqual(y.shape, sums.shape)
            let u = 0x1p-24
            var exact = [Double](repeating: 0, count: sums.count), worstZ = [Double](repeating: 0, count: co)
            for i in 0..<sums.count {
                let c = i % co
                XCTAssertLessThan(abs(sums.values[i]), 0x1p24)
                let z0 = Double(sums.values[i]) * Double(sa) * Double(q.scales[c])
                worstZ[c] = max(worstZ[c], abs(z0))
                exact[i] = max(z0 + Double(conv.bias[c]), 0) * Double(bn.scale[c]) + Double(bn.shift[c])
            }
            let yMax = exact.map(abs).max()!
            for i in 0..<exact.count {
                let c = i % co
                let tol = Double(abs(bn.scale[c])) * 3 * u * (worstZ[c] + Double(abs(conv.bias[c]))) + 2 * u * yMax
                    + u * Double(abs(bn.shift[c]))
                XCTAssertLessThanOrEqual(abs(Double(y.values[i]) - exact[i]), tol, "\(kShape) element \(i)")
            }
        }
    }

    func testConvChannelSelection() {
        var rng = TestRNG(seed: 13)
        let x = rng.tensor([1, 8, 6, 2])
        let conv = Conv2D(kernel: rng.tensor([3, 2, 2, 6]), bias: rng.array(6), padding: .same)
        let full = conv(x)
        let sel = conv.selectingOutputChannels([4, 1])(x)
        // The GEMM has 2 output columns instead of 6, and a BLAS kernel may sum a column's K = 3·2·2 products (and
        // the bias) in another order for another column count: two orders of n terms differ by at most
        // 2·γ_n·Σ|terms|, γ_n = n·u/(1 − n·u), u = 2⁻²⁴. Σ|terms| is the convolution of |x| with |k| plus |b|.
        let absSums = Naive.conv2d(Tensor(shape: x.shape, values: x.values.map(abs)),
                                   Tensor(shape: conv.kernel.shape, values: conv.kernel.values.map(abs)),
                                   bias: conv.bias.map(abs), strides: (1, 1), padding: .same)
        let n = 3 * 2 * 2 + 1, u = Double(Float.ulpOfOne) / 2, gamma = Double(n) * u / (1 - Double(n) * u)
        for i in 0..<(8 * 6) {
            for (j, c) in [4, 1].enumerated() {
                let bound = 2 * gamma * Double(absSums.values[i * 6 + c]) / (1 - gamma)
                XCTAssertLessThanOrEqual(Double(abs(sel.values[i * 2 + j] - full.values[i * 6 + c])), bound, "position \(i), channel \(c)")
            }
        }
    }

    func testBatchNormFormula() {
        var rng = TestRNG(seed: 14)
        let c = 5
        let g = rng.array(c), be = rng.array(c), mu = rng.array(c), v = rng.array(c, 0.01, 3)
        let bn = BatchNorm(gamma: g, beta: be, mean: mu, variance: v)
        let x = rng.tensor([4, 3, c])
        let y = bn(x)
        for i in 0..<x.count {
            let ch = i % c
            let ref = Double(g[ch]) * (Double(x.values[i]) - Double(mu[ch])) / (Double(v[ch]) + 1e-3).squareRoot() + Double(be[ch])
            XCTAssertEqual(Double(y.values[i]), ref, accuracy: 1e-5 * max(1, abs(ref)))
        }
    }

    func testDenseMatchesNaive() {
        var rng = TestRNG(seed: 15)
        for act in [Activation.identity, .relu, .sigmoid] {
            let x = rng.tensor([5, 13]), w = rng.tensor([13, 7]), b = rng.array(7)
            let y = Dense(weight: w, bias: b, activation: act)(x)
            var ref = Tensor(shape: [5, 7])
            for r in 0..<5 { for o in 0..<7 {
                var s = Double(b[o])
                for i in 0..<13 { s += Double(x[r, i]) * Double(w[i, o]) }
                ref[r, o] = Float(s)
            } }
            assertClose(y, ref.applying(act))
        }
    }

    func testMatmul() {
        var rng = TestRNG(seed: 16)
        let a = rng.tensor([9, 4]), b = rng.tensor([4, 6])
        let y = GEMM.matmul(a, b)
        var ref = Tensor(shape: [9, 6])
        for i in 0..<9 { for j in 0..<6 { ref[i, j] = (0..<4).reduce(Float(0)) { $0 + a[i, $1] * b[$1, j] } } }
        assertClose(y, ref)
    }
}
