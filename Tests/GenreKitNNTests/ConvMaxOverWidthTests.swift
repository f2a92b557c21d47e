import XCTest
@testable import GenreKitNN

final class ConvMaxOverWidthTests: XCTestCase {
    /// Reference: materialise bn(relu(conv)) and take the max over axis 2.
    func reference(_ conv: Conv2D, _ bn: BatchNorm?, _ x: Tensor) -> Tensor {
        let y = conv(x)
        return (bn.map { $0(y) } ?? y).max(alongAxis: 2)
    }

    func randomBN(_ rng: inout TestRNG, _ c: Int) -> BatchNorm {
        // γ of both signs, to exercise the min path.
        BatchNorm(gamma: rng.array(c, -1.5, 1.5), beta: rng.array(c), mean: rng.array(c), variance: rng.array(c, 0.1, 2))
    }

    func testSingleConvMatchesUnfused() {
        var rng = TestRNG(seed: 21)
        for (h, w, kh, kw, pad) in [(20, 16, 7, 5, Padding.valid), (9, 12, 3, 3, .same), (15, 10, 4, 10, .valid)] {
            let x = rng.tensor([3, h, w, 1], -1, 2)
            let conv = Conv2D(kernel: rng.tensor([kh, kw, 1, 6]), bias: rng.array(6), padding: pad, activation: .relu)
            let bn = randomBN(&rng, 6)
            let y = ConvMaxOverWidth.forward([conv], bns: [bn], input: x)[0]
            assertClose(y, reference(conv, bn, x), relative: 1e-6)
        }
    }

    func testSharedNestedColumnKernelsMatchUnfused() {
        // musicnn temporal: 'same' column kernels 16, 8, 4 (even) sharing one im2col.
        var rng = TestRNG(seed: 22)
        let x = rng.tensor([2, 23, 7, 1], -1, 2)
        let convs = [16, 8, 4, 5].map { kh in
            Conv2D(kernel: rng.tensor([kh, 1, 1, 3]), bias: rng.array(3), padding: .same, activation: .relu)
        }
        let bns: [BatchNorm?] = [randomBN(&rng, 3), nil, randomBN(&rng, 3), randomBN(&rng, 3)]
        let ys = ConvMaxOverWidth.forward(convs, bns: bns, input: x)
        for i in 0..<convs.count { assertClose(ys[i], reference(convs[i], bns[i], x), relative: 1e-6, "conv \(i)") }
    }

    func testMultiChannelAndBlocking() {
        var rng = TestRNG(seed: 23)
        let x = rng.tensor([4, 40, 9, 3])
        let conv = Conv2D(kernel: rng.tensor([5, 4, 3, 7]), bias: rng.array(7), padding: .valid, activation: .identity)
        let y = ConvMaxOverWidth.forward([conv], bns: [nil], input: x)[0]
        assertClose(y, reference(conv, nil, x), relative: 1e-6)
    }

    // MARK: oneDNN's direct convolution (one input channel, stride 1)

    /// `max_w bn(relu(conv))` in double precision, straight from the definition.
    func exact(_ conv: Conv2D, _ bn: BatchNorm?, _ x: Tensor) -> (values: [Double], shape: [Int]) {
        let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        let (kh, kw, co) = (conv.kernelHeight, conv.kernelWidth, conv.outputChannels)
        let (oh, pt) = conv.padding.output(inputSize: h, kernel: kh, stride: 1)
        let (ow, pl) = conv.padding.output(inputSize: w, kernel: kw, stride: 1)
        var out = [Double](repeating: 0, count: n * oh * co)
        for b in 0..<n { for r in 0..<oh { for c in 0..<co {
            var best = -Double.infinity
            for q in 0..<ow {
                var z = Double(conv.bias[c])
                for i in 0..<kh { for j in 0..<kw {
                    let t = r + i - pt, f = q + j - pl
                    guard t >= 0, t < h, f >= 0, f < w else { continue }
                    z += Double(x.values[(b * h + t) * w + f]) * Double(conv.kernel.values[(i * kw + j) * co + c])
                } }
                if conv.activation == .relu { z = max(z, 0) }
                if let bn { z = z * Double(bn.scale[c]) + Double(bn.shift[c]) }
                best = max(best, z)
            }
            out[(b * oh + r) * co + c] = best
        } } }
        return (out, [n, oh, co])
    }

    /// Bound on a float32 result's distance from `exact`: a sum of `K = kh·kw` products in any order is within
    /// `K·u·Σ|x·w|` (u = 2⁻²⁴) of the exact sum, plus one rounding each for the bias, the BN product and sum;
    /// the max over width, ReLU and the BN affine map scale the error by at most `|s|`.
    func bound(_ conv: Conv2D, _ bn: BatchNorm?, _ x: Tensor, _ exact: [Double]) -> Double {
        let u = 0x1p-24
        let k = Double(conv.kernelHeight * conv.kernelWidth), co = conv.outputChannels
        let xMax = Double(x.values.map { abs($0) }.max()!)
        var worst = 0.0
        for c in 0..<co {
            var l1 = 0.0
            for r in 0..<(conv.kernelHeight * conv.kernelWidth) { l1 += Double(abs(conv.kernel.values[r * co + c])) }
            let s = Double(abs(bn?.scale[c] ?? 1))
            worst = max(worst, s * ((k + 2) * u * (xMax * l1 + Double(abs(conv.bias[c])))))
        }
        return worst + 4 * u * (exact.map(abs).max() ?? 0)
    }

    func oneDNNShapes(_ rng: inout TestRNG) -> [(Conv2D, BatchNorm, Tensor)] {
        // musicnn-like geometry, smaller: 'valid' timbral kernels (input pre-padded in time) and 'same' temporal
        // column kernels; channel counts below, at and across oneDNN's 16-channel blocks.
        [(23, 20, 7, 9, Padding.valid, 21), (19, 16, 3, 16, .valid, 16), (21, 12, 8, 1, .same, 5),
         (17, 10, 5, 1, .same, 40), (12, 9, 4, 3, .same, 33)].map { h, w, kh, kw, pad, co in
            let x = rng.tensor([3, h, w, 1], -1, 2)
            let conv = Conv2D(kernel: rng.tensor([kh, kw, 1, co]), bias: rng.array(co), padding: pad, activation: .relu)
            return (conv, randomBN(&rng, co), x)
        }
    }

    func testOneDNNMethodMatchesTheDefinition() throws {
        try XCTSkipIf(DNNLEngine.shared == nil, DNNLEngine.unavailableReason ?? "")
        var rng = TestRNG(seed: 24)
        for (conv, bn, x) in oneDNNShapes(&rng) {
            let e = exact(conv, bn, x)
            let tol = bound(conv, bn, x, e.values)
            for method in [ConvPlan.Method.onednn, .im2col] {
                let y = ConvMaxOverWidth.forward([conv], bns: [bn], input: x, method: method)[0]
                XCTAssertEqual(y.shape, e.shape)
                let diff = zip(y.values, e.values).map { abs(Double($0) - $1) }.max()!
                XCTAssertLessThanOrEqual(diff, tol, "\(method) \(conv.kernel.shape) on \(x.shape): |Δ| \(diff) > bound \(tol)")
            }
        }
    }

    func testOneDNNMethodSharedGroupMatchesEachConvolution() throws {
        try XCTSkipIf(DNNLEngine.shared == nil, DNNLEngine.unavailableReason ?? "")
        var rng = TestRNG(seed: 25)
        let x = rng.tensor([5, 30, 11, 1], -1, 2)
        let convs = [16, 8, 4].map { kh in
            Conv2D(kernel: rng.tensor([kh, 1, 1, 18]), bias: rng.array(18), padding: .same, activation: .relu)
        }
        let bns: [BatchNorm?] = [randomBN(&rng, 18), nil, randomBN(&rng, 18)]
        let group = ConvMaxOverWidth.forward(convs, bns: bns, input: x, method: .onednn)
        for i in 0..<convs.count {
            // Each convolution runs the same primitive alone as in the group: the same numbers.
            XCTAssertEqual(group[i], ConvMaxOverWidth.forward([convs[i]], bns: [bns[i]], input: x, method: .onednn)[0], "conv \(i)")
            let e = exact(convs[i], bns[i], x)
            let diff = zip(group[i].values, e.values).map { abs(Double($0) - $1) }.max()!
            XCTAssertLessThanOrEqual(diff, bound(convs[i], bns[i], x, e.values), "conv \(i)")
        }
    }

    func testOneDNNBFloat16MatchesIm2colBFloat16() throws {
        guard InferencePrecision.bf16.effectiveHere.precision == .bf16 else {
            throw XCTSkip("this CPU runs bf16 as fp32 (\(DNNLEngine.effectiveISA))")
        }
        var rng = TestRNG(seed: 26)
        for (conv, bn, x) in oneDNNShapes(&rng) {
            // Both methods round inputs and weights to bfloat16 the same way (to nearest even) and sum the exact
            // products in float32, in different orders: each is within the float32 bound of the exact result on the
            // rounded operands, so they differ by at most twice that bound (the bf16 operands are within 2⁻⁸
            // relative of the float32 ones, hence the 1.01).
            let a = ConvMaxOverWidth.forward([conv], bns: [bn], input: x, precision: .bf16, method: .onednn)[0]
            let b = ConvMaxOverWidth.forward([conv], bns: [bn], input: x, precision: .bf16, method: .im2col)[0]
            let e = exact(conv, bn, x)
            let tol = 2 * 1.01 * bound(conv, bn, x, e.values)
            let diff = zip(a.values, b.values).map { abs(Double($0) - Double($1)) }.max()!
            XCTAssertLessThanOrEqual(diff, tol, "\(conv.kernel.shape): |Δ| \(diff) > \(tol)")
            // And bf16 is not silently fp32: rounding the operands moves the result.
            let f = ConvMaxOverWidth.forward([conv], bns: [bn], input: x, method: .onednn)[0]
            XCTAssertGreaterThan(a.maxAbsDifference(f), 0)
        }
    }

    func testInt8NeverRunsTheOneDNNConvolution() {
        var rng = TestRNG(seed: 27)
        let (conv, bn, x) = oneDNNShapes(&rng)[0]
        let asked = ConvMaxOverWidth.forward([conv], bns: [bn], input: x, precision: .int8, method: .onednn)[0]
        XCTAssertEqual(asked, ConvMaxOverWidth.forward([conv], bns: [bn], input: x, precision: .int8, method: .im2col)[0])
    }

    func testPlanMeasuresBothMethodsOnceAndKeepsTheWinner() throws {
        try XCTSkipIf(DNNLEngine.shared == nil || ConvPlan.forced != nil, "oneDNN missing or GENREKIT_CONV set")
        var rng = TestRNG(seed: 28)
        // A shape no other test uses, so this test makes the decision.
        let x = rng.tensor([3, 29, 13, 1])
        let conv = Conv2D(kernel: rng.tensor([6, 5, 1, 19]), bias: rng.array(19), padding: .valid, activation: .relu)
        let first = ConvMaxOverWidth.forward([conv], bns: [nil], input: x)[0]
        let key = try XCTUnwrap(ConvMaxOverWidth.planKey([conv], input: x, precision: .fp32))
        let decision = try XCTUnwrap(ConvPlan.decisions.first { $0.key == key })
        XCTAssertGreaterThan(decision.im2colSeconds, 0)
        XCTAssertGreaterThan(try XCTUnwrap(decision.onednnSeconds), 0)
        // The first call's result is the winner's, and later calls (other batch sizes too) keep running it.
        XCTAssertEqual(first, ConvMaxOverWidth.forward([conv], bns: [nil], input: x, method: decision.method)[0])
        let one = Tensor(shape: [1, 29, 13, 1], values: Array(x.values[0..<(29 * 13)]))
        XCTAssertEqual(ConvMaxOverWidth.forward([conv], bns: [nil], input: one)[0],
                       ConvMaxOverWidth.forward([conv], bns: [nil], input: one, method: decision.method)[0])
        XCTAssertEqual(ConvPlan.decisions.filter { $0.key == key }.count, 1)
    }
}
