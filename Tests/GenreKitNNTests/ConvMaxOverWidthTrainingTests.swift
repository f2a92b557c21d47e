import XCTest
@testable import GenreKitNN

final class ConvMaxOverWidthTrainingTests: XCTestCase {
    /// Float64 reference of one block: `Σ R[n, oh, c] · max_w (γ·(relu(z) − μ)/√(σ² + ε) + β)`, batch statistics.
    static func blockLoss(x: Tensor, kernel k: [Double], shape ks: [Int], bias: [Double], gamma: [Double], beta: [Double],
                          padding: Padding, r: [Float]) -> Double {
        let (n, h, w, ci) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw, co) = (ks[0], ks[1], ks[3])
        let (oh, pt) = padding.output(inputSize: h, kernel: kh, stride: 1)
        let (ow, pl) = padding.output(inputSize: w, kernel: kw, stride: 1)
        var relu = [Double](repeating: 0, count: n * oh * ow * co)
        for b in 0..<n { for a in 0..<oh { for q in 0..<ow { for o in 0..<co {
            var s = bias[o]
            for i in 0..<kh { for j in 0..<kw {
                let ih = a + i - pt, iw = q + j - pl
                if ih < 0 || ih >= h || iw < 0 || iw >= w { continue }
                for c in 0..<ci { s += Double(x[b, ih, iw, c]) * k[((i * kw + j) * ci + c) * co + o] }
            } }
            relu[((b * oh + a) * ow + q) * co + o] = max(s, 0)
        } } } }
        let m = n * oh * ow
        var loss = 0.0
        for o in 0..<co {
            let mu = (0..<m).reduce(0.0) { $0 + relu[$1 * co + o] } / Double(m)
            let v = (0..<m).reduce(0.0) { $0 + (relu[$1 * co + o] - mu) * (relu[$1 * co + o] - mu) } / Double(m)
            let s = 1 / (v + 1e-3).squareRoot()
            for row in 0..<(n * oh) {
                var best = -Double.infinity
                for q in 0..<ow { best = max(best, gamma[o] * (relu[(row * ow + q) * co + o] - mu) * s + beta[o]) }
                loss += Double(r[row * co + o]) * best
            }
        }
        return loss
    }

    func testForwardMatchesUnfusedTrainingGraphAndUpdatesMovingStatistics() {
        var rng = TestRNG(seed: 301)
        let x = rng.tensor([2, 9, 7, 1], -1, 2)
        let conv = Conv2D(kernel: rng.tensor([3, 4, 1, 5]), bias: rng.array(5, -0.2, 0.5), padding: .valid)
        var bn = BatchNormTraining(gamma: [1.2, -0.7, 0.4, -1.1, 0.9], beta: rng.array(5), movingMean: rng.array(5),
                                   movingVariance: rng.array(5, 0.5, 2))
        var reference = bn
        let beforeMoving = (mean: bn.movingMean, variance: bn.movingVariance)
        var bns = [bn]
        let (outs, _) = ConvMaxOverWidthTraining.forward([conv], bns: &bns, input: x, blockBudget: 64)
        let (normalised, _) = reference.forwardTraining(conv(x).relu())
        let unfused = normalised.max(alongAxis: 2)
        XCTAssertEqual(outs[0].shape, unfused.shape)
        bn = bns[0]
        // The fused pass runs one GEMM of 4 rows per block (blockBudget 64), the reference one GEMM of 56 rows:
        // OpenBLAS may sum each z in a different order (core type, shape). Derived bound, per channel c:
        //   each side's r = relu(fl(z + b)) is within e_j = γ_{k+1}·(A_j + |b|) of the exact value, A_j = Σ|x||W|;
        //   μ: |Δμ| ≤ 2·mean(e) + γ_ow·mean(r) (fused float32 row sums of ow terms) + 2u|μ| (Float(μ)) + 2γ⁽⁶⁴⁾_m·mean(r);
        //   σ² = mean((r − μ)²): |Δσ²| ≤ 4·mean((|r − μ| + 2e)·e) (perturbation of the r) + γ_{ow+1}·mean(r²)
        //        + 2|μ|·γ_ow·mean(r) (fused float32 Σr², Σr) + 4γ⁽⁶⁴⁾_{m+3}·mean(r²) (one- vs two-pass float64) + 2u·σ²;
        //   moving ← fl(fl(ρ·moving₀) + fl(fl((1 − ρ)·v)·c)): (1 − ρ)·c·(1 + γ₂)·|Δv| + 2γ₃·(ρ|moving₀| + (1 − ρ)·c·|v|).
        let k = 3 * 4 * 1, ow = 4, m = 56
        let u = RoundingBounds.float32Unit, g64 = RoundingBounds.gamma(m + 3, unit: RoundingBounds.float64Unit)
        let a = RoundingBounds.absoluteProductSums(x, kernel: conv.kernel, padding: .valid)
        let r = conv(x).relu()
        let rho = Double(reference.momentum), oneMinusRho = Double(1 - reference.momentum)
        let correction = Double(Float(m) / Float(m - 1))
        for c in 0..<5 {
            let rc = (0..<m).map { Double(r.values[$0 * 5 + c]) }
            let e = (0..<m).map { RoundingBounds.gamma(k + 1) * (a[$0 * 5 + c] + abs(Double(conv.bias[c]))) }
            let mu = rc.reduce(0, +) / Double(m), meanR2 = rc.map { $0 * $0 }.reduce(0, +) / Double(m)
            let v = rc.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(m)
            let meanE = e.reduce(0, +) / Double(m)
            let dMu = 2 * meanE + RoundingBounds.gamma(ow) * mu + 2 * u * mu + 2 * g64 * mu
            let perturbation: Double = 4 * zip(rc, e).map { (abs($0 - mu) + 2 * $1) * $1 }.reduce(0, +) / Double(m)
            let fusedSums: Double = RoundingBounds.gamma(ow + 1) * meanR2 + 2 * mu * RoundingBounds.gamma(ow) * mu
            let dV = perturbation + fusedSums + 4 * g64 * meanR2 + 2 * u * v
            let before = (mean: Double(beforeMoving.mean[c]), variance: Double(beforeMoving.variance[c]))
            let tolMean = oneMinusRho * (1 + RoundingBounds.gamma(2)) * dMu
                + 2 * RoundingBounds.gamma(3) * (rho * abs(before.mean) + oneMinusRho * mu)
            let tolVar = oneMinusRho * correction * (1 + RoundingBounds.gamma(2)) * dV
                + 2 * RoundingBounds.gamma(3) * (rho * abs(before.variance) + oneMinusRho * correction * v)
            XCTAssertEqual(Double(bn.movingMean[c]), Double(reference.movingMean[c]), accuracy: tolMean, "moving mean \(c)")
            // Outputs y = γ·(r* − μ)·s + β at the extreme r* of each row, s = 1/√(σ² + ε) (float32 on the fused side,
            // float64 rounded once on the reference side: γ₃·s), |∂s/∂σ²| = s³/2; per side within
            //   E = |γ|·((e* + Δμ)·s + (|r* − μ| + e* + Δμ)·Δs) + γ₄·(|γ|·(|r* − μ| + e* + Δμ)·(s + Δs) + |β|),
            // Δs = s³/2·Δσ² + γ₃·s, with e* and |r* − μ| taken as their largest values over the row.
            let s = 1 / (v + Double(reference.epsilon)).squareRoot()
            let dS = s * s * s / 2 * dV + RoundingBounds.gamma(3) * s
            let g = abs(Double(bn.gamma[c])), beta = abs(Double(bn.beta[c]))
            for row in 0..<(m / ow) {
                let eStar = (0..<ow).map { e[row * ow + $0] }.max()!
                let spread = (0..<ow).map { abs(rc[row * ow + $0] - mu) }.max()!
                let side = g * ((eStar + dMu) * s + (spread + eStar + dMu) * dS)
                    + RoundingBounds.gamma(4) * (g * (spread + eStar + dMu) * (s + dS) + beta)
                let i = row * 5 + c
                XCTAssertEqual(Double(outs[0].values[i]), Double(unfused.values[i]), accuracy: 2 * side, "output row \(row) channel \(c)")
            }
            XCTAssertEqual(Double(bn.movingVariance[c]), Double(reference.movingVariance[c]), accuracy: tolVar, "moving variance \(c)")
        }
    }

    func testGradientsMatchFiniteDifferences() {
        var rng = TestRNG(seed: 302)
        for (shape, ks, padding, budget) in [([2, 8, 9, 1], [3, 4, 1, 4], Padding.valid, 1 << 18),
                                              ([3, 10, 5, 1], [4, 1, 1, 3], Padding.same, 40)] {
            let x = rng.tensor(shape, -1, 2)
            let co = ks[3]
            let kernel = rng.tensor(ks), bias = rng.array(co, -0.3, 0.6)
            let gamma = (0..<co).map { $0 % 2 == 0 ? rng.uniform(0.5, 1.5) : -rng.uniform(0.5, 1.5) }, beta = rng.array(co)
            let conv = Conv2D(kernel: kernel, bias: bias, padding: padding)
            var bns = [BatchNormTraining(gamma: gamma, beta: beta, movingMean: [Float](repeating: 0, count: co),
                                         movingVariance: [Float](repeating: 1, count: co))]
            let (outs, caches) = ConvMaxOverWidthTraining.forward([conv], bns: &bns, input: x, blockBudget: budget)
            let r = rng.tensor(outs[0].shape)
            let g = ConvMaxOverWidthTraining.backward([conv], bns: bns, input: x, caches: caches, outputGradients: [r],
                                                      blockBudget: budget)[0]
            let k64 = kernel.values.map(Double.init), b64 = bias.map(Double.init)
            let g64 = gamma.map(Double.init), be64 = beta.map(Double.init)
            func loss(_ k: [Double], _ b: [Double], _ gm: [Double], _ be: [Double]) -> Double {
                Self.blockLoss(x: x, kernel: k, shape: ks, bias: b, gamma: gm, beta: be, padding: padding, r: r.values)
            }
            assertGradient(g.kernel.values, FiniteDifference.gradient64(k64) { loss($0, b64, g64, be64) }, "conv-max-bn \(ks) ∂W")
            assertGradient(g.bias, FiniteDifference.gradient64(b64) { loss(k64, $0, g64, be64) }, "conv-max-bn \(ks) ∂b")
            assertGradient(g.gamma, FiniteDifference.gradient64(g64) { loss(k64, b64, $0, be64) }, "conv-max-bn \(ks) ∂γ")
            assertGradient(g.beta, FiniteDifference.gradient64(be64) { loss(k64, b64, g64, $0) }, "conv-max-bn \(ks) ∂β")
        }
    }

    func testSharedNestedKernelsGiveTheSameGradientsAsSeparateCalls() {
        var rng = TestRNG(seed: 303)
        let x = rng.tensor([2, 12, 6, 1], -1, 2)
        let convs = [8, 4, 2].map { kh in Conv2D(kernel: rng.tensor([kh, 1, 1, 3]), bias: rng.array(3, -0.2, 0.5), padding: .same) }
        let bn0 = (0..<3).map { _ in BatchNormTraining(gamma: rng.array(3, -1.5, 1.5), beta: rng.array(3),
                                                       movingMean: [0, 0, 0], movingVariance: [1, 1, 1]) }
        var shared = bn0
        let (outs, caches) = ConvMaxOverWidthTraining.forward(convs, bns: &shared, input: x)
        let rs = outs.map { rng.tensor($0.shape) }
        let gs = ConvMaxOverWidthTraining.backward(convs, bns: shared, input: x, caches: caches, outputGradients: rs)
        for i in 0..<3 {
            var one = [bn0[i]]
            let (o, c) = ConvMaxOverWidthTraining.forward([convs[i]], bns: &one, input: x)
            let g = ConvMaxOverWidthTraining.backward([convs[i]], bns: one, input: x, caches: c, outputGradients: [rs[i]])[0]
            assertClose(outs[i], o[0], relative: 1e-6, "output \(i)")
            assertClose(gs[i].kernel, g.kernel, relative: 1e-5, "kernel \(i)")
            XCTAssertEqual(gs[i].gamma, g.gamma)
        }
    }
}
