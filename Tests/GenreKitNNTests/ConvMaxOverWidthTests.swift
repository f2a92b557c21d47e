import XCTest
@testable import GenreKitNN
import GenreKitCore

final class ConvMaxOverWidthTests: XCTestCase, ConvolutionReference {
    /// Reference: materialise bn(relu(conv)) and take the max over axis 2.
    func reference(_ conv: Conv2D, _ bn: BatchNorm?, _ x: Tensor) -> Tensor {
        let y = conv(x)
        return (bn.map { $0(y) } ?? y).max(alongAxis: 2)
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

    /// The blocked max/min (`maxMin`, the C kernel chosen per instruction set) equals Swift's `max`/`min` folded
    /// in index order, bit for bit: ties between +0 and −0 keep the later value for max and the earlier for min, as
    /// `Swift.max(a, b) = b >= a ? b : a` and `Swift.min(a, b) = b < a ? b : a` do; counts 1, 2, 17 and 59 (f74's width).
    func testMaxMinOfBlockedVectorsIsSwiftsMaxAndMinInOrder() {
        var rng = TestRNG(seed: 21)
        for count in [1, 2, 17, 59] {
            var v = rng.tensor([count * 16]).values
            for i in stride(from: 3, to: v.count, by: 7) { v[i] = i % 2 == 0 ? 0 : -0.0 }
            var mx = [Float](repeating: .nan, count: 16), mn = mx
            v.withUnsafeBufferPointer { p in
                ConvMaxOverWidth.maxMin(p.baseAddress!, count: count, max: &mx, min: &mn)
            }
            for l in 0..<16 {
                var a = v[l], b = v[l]
                for k in 1..<count { a = Swift.max(a, v[16 * k + l]); b = Swift.min(b, v[16 * k + l]) }
                XCTAssertEqual(mx[l].bitPattern, a.bitPattern, "max lane \(l), count \(count)")
                XCTAssertEqual(mn[l].bitPattern, b.bitPattern, "min lane \(l), count \(count)")
            }
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

    /// bf16 through oneDNN folds pairs of taps into two input channels (``DNNLConvolution/Shape/foldsTaps``): the
    /// result is the float32 sum of the exact products of the bf16-rounded operands, within the same float32 bound
    /// as the definition on those operands; folded along the width (odd and even `kw`, with and without width
    /// padding) and along the height (odd and even `kh`, 'same' padding on both axes).
    func testOneDNNBFloat16FoldedTapsMatchTheDefinitionOnRoundedOperands() throws {
        guard InferencePrecision.bf16.effectiveHere.precision == .bf16 else {
            throw XCTSkip("this CPU runs bf16 as fp32 (\(DNNLEngine.effectiveISA))")
        }
        var rng = TestRNG(seed: 29)
        let bf = { (v: Float) in LowPrecision.float(bfloat16: LowPrecision.bfloat16(v)) }
        var cases = oneDNNShapes(&rng)
        for (h, w, kh, kw, pad, co) in [(14, 11, 3, 6, Padding.same, 17), (13, 12, 2, 5, .same, 9), (16, 7, 9, 2, .valid, 20),
                                       (18, 8, 6, 3, .same, 4)] {
            let conv = Conv2D(kernel: rng.tensor([kh, kw, 1, co]), bias: rng.array(co), padding: pad, activation: .relu)
            cases.append((conv, randomBN(&rng, co), rng.tensor([2, h, w, 1], -1, 2)))
        }
        var folded = Set<Bool>()
        for (conv, bn, x) in cases {
            let key = try XCTUnwrap(ConvMaxOverWidth.planKey([conv], input: x, precision: .bf16))
            let r = key.convs[0]
            let shape = DNNLConvolution.Shape(n: 1, h: x.shape[1], w: x.shape[2], kh: r[0], kw: r[1], co: r[2], padTop: r[3],
                                              padBottom: r[4], padLeft: r[5], padRight: r[6], precision: .bf16)
            XCTAssertTrue(shape.foldsTaps, "\(shape)")
            folded.insert(shape.foldsWidth)
            let got = try ConvMaxOverWidth.onednn([conv], bns: [bn], input: x, key: key)[0]
            let xr = Tensor(shape: x.shape, values: x.values.map(bf))
            let cr = Conv2D(kernel: Tensor(shape: conv.kernel.shape, values: conv.kernel.values.map(bf)), bias: conv.bias,
                            padding: conv.padding, activation: conv.activation)
            let e = exact(cr, bn, xr)
            let tol = bound(cr, bn, xr, e.values)
            let diff = zip(got.values, e.values).map { abs(Double($0) - $1) }.max()!
            XCTAssertLessThanOrEqual(diff, tol, "\(conv.kernel.shape) on \(x.shape): |Δ| \(diff) > \(tol)")
        }
        XCTAssertEqual(folded, [true, false])
    }

    /// int8 on all cores splits the patches over threads (``ConvMaxOverWidth/int8AcrossCores``): integer sums and
    /// one scale for the whole input, so the result equals one single-threaded call's to the bit.
    func testInt8SplitOverCoresEqualsOneCall() throws {
        guard InferencePrecision.int8.effectiveHere.precision == .int8 else {
            throw XCTSkip("this CPU runs int8 as fp32 (\(DNNLEngine.effectiveISA))")
        }
        var rng = TestRNG(seed: 30)
        let x = rng.tensor([5, 26, 9, 1], -1, 2)
        let convs = [16, 8, 4].map { kh in
            Conv2D(kernel: rng.tensor([kh, 1, 1, 19]), bias: rng.array(19), padding: .same, activation: .relu)
        }
        let bns: [BatchNorm?] = [randomBN(&rng, 19), nil, randomBN(&rng, 19)]
        for scale in [nil, Float(1.5 / 127)] {
            let split = ConvMaxOverWidth.forward(convs, bns: bns, input: x, precision: .int8, activationScale: scale)
            let one = BLASThreads.withSingleThread {
                ConvMaxOverWidth.forward(convs, bns: bns, input: x, precision: .int8, activationScale: scale)
            }
            for i in convs.indices { XCTAssertEqual(split[i].values.map(\.bitPattern), one[i].values.map(\.bitPattern), "conv \(i)") }
        }
    }

    /// int8 through oneDNN (space to depth, ``DNNLConvolution/Shape/int8Group``) gives im2col's int8 result bit for bit:
    /// the same quantised input, exact int32 sums and the same float formula after the max; width-long kernels
    /// ('valid' and 'same', outputs not a multiple of the phases, 4 and 8 phases), dynamic scale and a given scale
    /// with a zero point. Height-long kernels have no int8 oneDNN path and run im2col when oneDNN is asked for.
    func testInt8OneDNNEqualsIm2colBitForBit() throws {
        try XCTSkipIf(DNNLEngine.shared == nil, DNNLEngine.unavailableReason ?? "")
        var rng = TestRNG(seed: 27)
        var cases = oneDNNShapes(&rng).filter { $0.0.kernelWidth >= $0.0.kernelHeight }
        for (h, w, kh, kw, pad, co) in [(15, 30, 7, 9, Padding.valid, 21), (12, 17, 3, 5, .same, 40)] {
            let conv = Conv2D(kernel: rng.tensor([kh, kw, 1, co]), bias: rng.array(co), padding: pad, activation: .relu)
            cases.append((conv, randomBN(&rng, co), rng.tensor([3, h, w, 1], -1, 2)))
        }
        var ran = 0
        for (conv, bn, x) in cases {
            for (scale, zeroPoint) in [(nil, Int8(0)), (Float(0.013), Int8(-37))] as [(Float?, Int8)] {
                let want = ConvMaxOverWidth.forward([conv], bns: [bn], input: x, precision: .int8, activationScale: scale,
                                                    activationZeroPoint: zeroPoint, method: .im2col)[0]
                guard let key = ConvMaxOverWidth.planKey([conv], input: x, precision: .int8) else { continue }
                let r = key.convs[0]
                let shape = DNNLConvolution.Shape(n: 1, h: key.h, w: key.w, kh: r[0], kw: r[1], co: r[2], padTop: r[3],
                                                  padBottom: r[4], padLeft: r[5], padRight: r[6], precision: .int8)
                for p in DNNLConvolution.phaseCandidates(shape) {
                    let got = try ConvMaxOverWidth.onednn([conv], bns: [bn], input: x, key: key,
                                                          layouts: [DNNLConvolution.Layout(phases: p, channelMultiple: 16)],
                                                          activationScale: scale, activationZeroPoint: zeroPoint)[0]
                    XCTAssertEqual(got.values.map(\.bitPattern), want.values.map(\.bitPattern), "\(conv.kernel.shape) on \(x.shape), \(p) phases")
                    ran += 1
                }
            }
        }
        XCTAssertGreaterThanOrEqual(ran, 8)
        let column = Conv2D(kernel: rng.tensor([8, 1, 1, 5]), bias: rng.array(5), padding: .same, activation: .relu)
        let x = rng.tensor([2, 21, 12, 1], -1, 2)
        XCTAssertNil(ConvMaxOverWidth.planKey([column], input: x, precision: .int8))
        XCTAssertEqual(ConvMaxOverWidth.forward([column], bns: [nil], input: x, precision: .int8, method: .onednn)[0],
                       ConvMaxOverWidth.forward([column], bns: [nil], input: x, precision: .int8, method: .im2col)[0])
    }

    /// int8 (the input quantised once, the im2col built from int8 values): `max_w bn(relu(s_a·s_w[c]·Σ q_a·q_w + b))`
    /// with `q_a = clamp(round(x · (1/s_a)), ±127)` and the weights' per-channel quantisation, in double precision.
    /// The integer sums are exact (|Σ| < 2²⁴); after them come one rounding for `s_a·s_w`, one for the product, one
    /// each for the bias, the BN product and sum: within `|s|·3u·(|z| + |b|) + 2u·|y| + u·|t|` per channel.
    ///
    /// With a zero point `z` (and a given scale), `q_a = clamp(round(x · (1/s_a)) + z, −128, 127)` and the sums are
    /// over `q_a − z`: a window leaving the input (`x = 0` there) adds nothing.
    func assertInt8MatchesTheDefinition(_ convs: [Conv2D], _ bns: [BatchNorm?], _ x: Tensor, scale: Float?, zeroPoint: Int8 = 0,
                                        file: StaticString = #filePath, line: UInt = #line) {
        let sa = scale ?? x.values.map { abs($0) }.max()! / 127
        let inv = 1 / sa
        let qx = zeroPoint == 0
            ? x.values.map { Double(Swift.min(Swift.max(($0 * inv).rounded(), -127), 127)) }
            : x.values.map { Double(Swift.min(Swift.max(($0 * inv).rounded() + Float(zeroPoint), -128), 127)) - Double(zeroPoint) }
        let ys = ConvMaxOverWidth.forward(convs, bns: bns, input: x, precision: .int8, activationScale: scale,
                                          activationZeroPoint: zeroPoint, method: .im2col)
        let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        for (conv, (bn, y)) in zip(convs, zip(bns, ys)) {
            let q = conv.weights.quantized
            let (kh, kw, co) = (conv.kernelHeight, conv.kernelWidth, conv.outputChannels)
            let (oh, pt) = conv.padding.output(inputSize: h, kernel: kh, stride: 1)
            let (ow, pl) = conv.padding.output(inputSize: w, kernel: kw, stride: 1)
            XCTAssertEqual(y.shape, [n, oh, co], file: file, line: line)
            var worstZ = [Double](repeating: 0, count: co)
            var exact = [Double](repeating: 0, count: n * oh * co)
            for b in 0..<n { for r in 0..<oh { for c in 0..<co {
                var best = -Double.infinity
                for p in 0..<ow {
                    var sum = 0.0
                    for i in 0..<kh { for j in 0..<kw {
                        let t = r + i - pt, f = p + j - pl
                        guard t >= 0, t < h, f >= 0, f < w else { continue }
                        sum += qx[(b * h + t) * w + f] * Double(q.values[(i * kw + j) * co + c])
                    } }
                    XCTAssertLessThan(abs(sum), 0x1p24, file: file, line: line)
                    let z0 = sum * Double(sa) * Double(q.scales[c])
                    worstZ[c] = max(worstZ[c], abs(z0))
                    var z = z0 + Double(conv.bias[c])
                    if conv.activation == .relu { z = max(z, 0) }
                    if let bn { z = z * Double(bn.scale[c]) + Double(bn.shift[c]) }
                    best = max(best, z)
                }
                exact[(b * oh + r) * co + c] = best
            } } }
            let u = 0x1p-24, yMax = exact.map(abs).max()!
            for i in 0..<exact.count {
                let c = i % co
                let s = Double(abs(bn?.scale[c] ?? 1))
                let tol = s * 3 * u * (worstZ[c] + Double(abs(conv.bias[c]))) + 2 * u * yMax + u * Double(abs(bn?.shift[c] ?? 0))
                XCTAssertLessThanOrEqual(abs(Double(y.values[i]) - exact[i]), tol, "\(conv.kernel.shape) element \(i)", file: file, line: line)
            }
        }
    }

    func testInt8MatchesTheDefinition() throws {
        guard InferencePrecision.int8.effectiveHere.precision == .int8 else {
            throw XCTSkip("this CPU runs int8 as fp32 (\(DNNLEngine.effectiveISA))")
        }
        var rng = TestRNG(seed: 28)
        // Timbral-like 'valid' kernels (the general im2col), one calibrated scale that clips the largest inputs.
        for (conv, bn, x) in oneDNNShapes(&rng) {
            assertInt8MatchesTheDefinition([conv], [bn], x, scale: 1.5 / 127)
        }
        // Temporal-like nested 'same' column kernels sharing one im2col (the time-transposed copy), scale from x.
        let x = rng.tensor([3, 26, 9, 1], -1, 2)
        let convs = [16, 8, 4].map { kh in
            Conv2D(kernel: rng.tensor([kh, 1, 1, 19]), bias: rng.array(19), padding: .same, activation: .relu)
        }
        assertInt8MatchesTheDefinition(convs, [randomBN(&rng, 19), nil, randomBN(&rng, 19)], x, scale: nil)
    }

    /// Asymmetric int8 input (musicnn's timbral branches, ``GenreKitModels``' `Int8Scope.timbral`): 'valid' kernels
    /// with inputs in `[lo, hi]` over 254 steps, and nested 'same' column kernels whose padding must be the zero point.
    func testInt8WithAZeroPointMatchesTheDefinition() throws {
        guard InferencePrecision.int8.effectiveHere.precision == .int8 else {
            throw XCTSkip("this CPU runs int8 as fp32 (\(DNNLEngine.effectiveISA))")
        }
        var rng = TestRNG(seed: 29)
        for (conv, bn, x) in oneDNNShapes(&rng) {
            let lo = min(x.values.min()!, 0), hi = max(x.values.max()!, 0), s = (hi - lo) / 254
            let z = Int8((-128 - lo / s).rounded())
            assertInt8MatchesTheDefinition([conv], [bn], x, scale: s, zeroPoint: z)
        }
        let x = rng.tensor([3, 26, 9, 1], -0.5, 2)
        let convs = [16, 8, 4].map { kh in
            Conv2D(kernel: rng.tensor([kh, 1, 1, 19]), bias: rng.array(19), padding: .same, activation: .relu)
        }
        for z: Int8 in [-70, 60] {
            assertInt8MatchesTheDefinition(convs, [randomBN(&rng, 19), nil, randomBN(&rng, 19)], x, scale: 2.6 / 254, zeroPoint: z)
        }
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
