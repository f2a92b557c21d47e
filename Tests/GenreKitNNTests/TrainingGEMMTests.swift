import Foundation
import XCTest
@testable import GenreKitNN

/// Backward passes with their GEMMs in bf16 (``TrainingGEMM``, ``BF16Operands``): the gradients of one training step
/// equal the float32 step's within the bound that bf16 rounding allows, derived per product; the float32 path is
/// the `cblas_sgemm` one, bit for bit.
///
/// For a gradient element `Σ_i a_i·b_i` of `n` terms, `S = Σ|a_i·b_i|`: the float32 step is within `γ_n·S` of the
/// exact value, the bf16 step (operands rounded, u = 2⁻⁸, exact products, float32 sums) within
/// `((1 + u)² − 1 + γ_n·(1 + u)²)·S`, so the two differ by at most the sum of both.
final class TrainingGEMMTests: XCTestCase {
    static func tolerance(terms n: Int, absoluteSum s: Double) -> Double {
        BFloat16GEMMTests.bound(terms: n, absoluteSum: s) + RoundingBounds.gamma(n) * s
    }

    func skipWithoutBF16() throws {
        guard InferencePrecision.bf16.effectiveHere.precision == .bf16 else {
            throw XCTSkip("this CPU runs bf16 as fp32 (\(DNNLEngine.effectiveISA)): fine-tuning falls back to the fp32 path")
        }
    }

    func testDenseBackwardInBF16IsWithinTheRoundingBoundOfFloat32() throws {
        try skipWithoutBF16()
        var rng = TestRNG(seed: 401)
        let (rows, ni, no) = (13, 70, 9)
        let x = rng.tensor([rows, ni]), w = rng.tensor([ni, no]), g = rng.tensor([rows, no])
        let f = DenseBackward(weight: w)(input: x, outputGradient: g)
        let b = DenseBackward(weight: w)(input: x, outputGradient: g, precision: .bf16)
        XCTAssertEqual(b.bias, f.bias, "the bias gradient is a float32 sum either way")
        for r in 0..<rows { for i in 0..<ni {
            let s = (0..<no).reduce(0.0) { $0 + abs(Double(g[r, $1]) * Double(w[i, $1])) }
            XCTAssertLessThanOrEqual(abs(Double(b.input[r, i]) - Double(f.input[r, i])), Self.tolerance(terms: no, absoluteSum: s))
        } }
        for i in 0..<ni { for o in 0..<no {
            let s = (0..<rows).reduce(0.0) { $0 + abs(Double(x[$1, i]) * Double(g[$1, o])) }
            XCTAssertLessThanOrEqual(abs(Double(b.weight[i, o]) - Double(f.weight[i, o])), Self.tolerance(terms: rows, absoluteSum: s))
        } }
        // fp32 is the plain cblas_sgemm product.
        var dw = [Float](repeating: 0, count: ni * no)
        x.values.withUnsafeBufferPointer { xb in g.values.withUnsafeBufferPointer { gb in
            GEMM.sgemm(m: ni, n: no, k: rows, a: xb.baseAddress!, lda: ni, transposeA: true, b: gb.baseAddress!, ldb: no, c: &dw, ldc: no)
        } }
        XCTAssertEqual(f.weight.values.map(\.bitPattern), dw.map(\.bitPattern))
    }

    /// A mid-end-like convolution (7 × 1 over 600 channels) whose bf16 blocks split the rows in two, so `∂W` is
    /// accumulated across blocks, and a 1 × 1 one.
    func testConv2DBackwardInBF16IsWithinTheRoundingBoundOfFloat32() throws {
        try skipWithoutBF16()
        var rng = TestRNG(seed: 402)
        for (xs, ks, padding) in [([2, 156, 1, 600], [7, 1, 600, 4], Padding.valid), ([2, 5, 4, 6], [1, 1, 6, 3], Padding.valid),
                                  ([1, 9, 6, 3], [3, 2, 3, 5], Padding.same)] {
            let x = rng.tensor(xs), kernel = rng.tensor(ks)
            let conv = Conv2D(kernel: kernel, padding: padding)
            let out = conv.outputShape(for: xs)
            let g = rng.tensor(out)
            let f = Conv2DBackward(conv)(input: x, outputGradient: g)
            let b = Conv2DBackward(conv)(input: x, outputGradient: g, precision: .bf16)
            XCTAssertEqual(b.bias, f.bias)
            let (kh, kw, ci, co) = (ks[0], ks[1], ks[2], ks[3])
            let m = out[0] * out[1] * out[2], k = kh * kw * ci
            var col = [Float](repeating: 0, count: m * k)
            let (_, pt) = padding.output(inputSize: xs[1], kernel: kh, stride: 1)
            let (_, pl) = padding.output(inputSize: xs[2], kernel: kw, stride: 1)
            x.values.withUnsafeBufferPointer { xb in
                Im2Col.fill(&col, x: xb.baseAddress!, h: xs[1], w: xs[2], c: ci, kh: kh, kw: kw, sh: 1, sw: 1, pt: pt, pl: pl,
                            oh: out[1], ow: out[2], firstRow: 0, rows: m)
            }
            // ∂W[k, o] = Σ_m X[m, k]·G[m, o]: m terms.
            for i in 0..<k { for o in 0..<co {
                let s = (0..<m).reduce(0.0) { $0 + abs(Double(col[$1 * k + i]) * Double(g.values[$1 * co + o])) }
                XCTAssertLessThanOrEqual(abs(Double(b.kernel.values[i * co + o]) - Double(f.kernel.values[i * co + o])),
                                         Self.tolerance(terms: m, absoluteSum: s), "∂W \(ks) [\(i), \(o)]")
            } }
            // ∂x = col2im(G·Wᵀ): each element sums at most kh·kw·co products.
            var sx = [Double](repeating: 0, count: x.count)
            for r in 0..<m {
                let (bq, rest) = (r / (out[1] * out[2]), r % (out[1] * out[2]))
                let (oy, ox) = (rest / out[2], rest % out[2])
                for i in 0..<k {
                    let (ki, kj, c) = (i / (kw * ci), (i / ci) % kw, i % ci)
                    let iy = oy + ki - pt, ix = ox + kj - pl
                    if iy < 0 || iy >= xs[1] || ix < 0 || ix >= xs[2] { continue }
                    let p = (0..<co).reduce(0.0) { $0 + abs(Double(g.values[r * co + $1]) * Double(kernel.values[i * co + $1])) }
                    sx[((bq * xs[1] + iy) * xs[2] + ix) * ci + c] += p
                }
            }
            let terms = kh * kw * co
            for e in 0..<x.count {
                XCTAssertLessThanOrEqual(abs(Double(b.input.values[e]) - Double(f.input.values[e])),
                                         Self.tolerance(terms: terms, absoluteSum: sx[e]), "∂x \(ks) [\(e)]")
            }
        }
    }

    /// Front-end block on bf16-exact operands (multiples of 1/64 in [−1, 1]): every product and partial sum is exact
    /// in float32, so the forward pass, the statistics, ∂b, ∂γ and ∂β agree bit for bit; ∂W differs only by the
    /// rounding of ∂L/∂z to bf16: `|Δ∂W| ≤ (u + γ_m·(1 + u) + γ_m)·Σ_m |X|·|∂L/∂z|`.
    func testConvMaxOverWidthInBF16OnExactOperandsDiffersOnlyByTheRoundedGradient() throws {
        try skipWithoutBF16()
        var rng = TestRNG(seed: 403)
        func sixtyFourths(_ shape: [Int]) -> Tensor {
            Tensor(shape: shape, values: (0..<Tensor.elementCount(shape)).map { _ in Float(rng.int(-64...64)) / 64 })
        }
        let x = sixtyFourths([3, 14, 11, 1])
        let convs = [Conv2D(kernel: sixtyFourths([7, 5, 1, 6]), bias: rng.array(6, -0.2, 0.4), padding: .valid)]
        let bn0 = [BatchNormTraining(gamma: (0..<6).map { $0 % 2 == 0 ? 1.1 : -0.8 }, beta: rng.array(6),
                                     movingMean: [Float](repeating: 0, count: 6), movingVariance: [Float](repeating: 1, count: 6))]
        let budget = 200   // several blocks per pass
        var bf = bn0, fp = bn0
        let (ob, cb) = ConvMaxOverWidthTraining.forward(convs, bns: &bf, input: x, blockBudget: budget, precision: .bf16)
        let (of, cf) = ConvMaxOverWidthTraining.forward(convs, bns: &fp, input: x, blockBudget: budget)
        XCTAssertEqual(ob[0].values.map(\.bitPattern), of[0].values.map(\.bitPattern))
        XCTAssertEqual(cb[0].selected, cf[0].selected)
        XCTAssertEqual(bf[0].movingVariance, fp[0].movingVariance)
        let r = rng.tensor(of[0].shape)
        let gb = ConvMaxOverWidthTraining.backward(convs, bns: bf, input: x, caches: cb, outputGradients: [r], blockBudget: budget, precision: .bf16)[0]
        let gf = ConvMaxOverWidthTraining.backward(convs, bns: fp, input: x, caches: cf, outputGradients: [r], blockBudget: budget)[0]
        XCTAssertEqual(gb.gamma, gf.gamma); XCTAssertEqual(gb.beta, gf.beta)
        // ∂b sums per-thread float32 partial sums in the same order on both sides (same z, same ∂z).
        XCTAssertEqual(gb.bias, gf.bias)
        // ∂L/∂z over the whole batch as the backward pass computes it (one block; its values do not depend on blocking).
        let cols = SharedWindowColumns(convs, input: x)
        let m = cols.n * cols.oh * cols.ow, k = 7 * 5, co = 6
        var col = [Float](repeating: 0, count: m * cols.windowLength), z = [Float](repeating: 0, count: m * co)
        x.values.withUnsafeBufferPointer { cols.fill(&col, x: $0.baseAddress!, first: 0, rows: cols.n * cols.oh) }
        for row in 0..<m { for o in 0..<co {
            z[row * co + o] = Float((0..<k).reduce(0.0) { $0 + Double(col[row * cols.windowLength + $1]) * Double(convs[0].kernel.values[$1 * co + o]) })
        } }
        let c = cf[0]
        var dbeta = [Double](repeating: 0, count: co), dgamma = dbeta
        for row in 0..<(cols.n * cols.oh) { for o in 0..<co {
            dbeta[o] += Double(r.values[row * co + o]); dgamma[o] += Double(r.values[row * co + o]) * Double(c.selectedNormalized[row * co + o])
        } }
        let coefficients: (k: [Float], a: [Float], b: [Float]) = ((0..<co).map { fp[0].gamma[$0] * c.inverseStd[$0] }, dbeta.map { Float($0 / Double(c.count)) },
                            dgamma.map { Float($0 / Double(c.count)) })
        var biasGradient = [Float](repeating: 0, count: co)
        ConvMaxOverWidthTraining.gradientOfBlock(&z, rows: cols.n * cols.oh, first: 0, ow: cols.ow, co: co, bias: convs[0].bias, cache: c,
                                                 upstream: r, coefficients: coefficients, biasGradient: &biasGradient)
        let u = BFloat16GEMMTests.bf16Unit, gm = RoundingBounds.gamma(m)
        for i in 0..<k { for o in 0..<co {
            let s = (0..<m).reduce(0.0) { $0 + abs(Double(col[$1 * cols.windowLength + i]) * Double(z[$1 * co + o])) }
            XCTAssertLessThanOrEqual(abs(Double(gb.kernel.values[i * co + o]) - Double(gf.kernel.values[i * co + o])),
                                     (u + gm * (1 + u) + gm) * s, "∂W [\(i), \(o)]")
        } }
    }
}
