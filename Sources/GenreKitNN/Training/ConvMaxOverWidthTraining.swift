import Foundation

/// What ``ConvMaxOverWidthTraining/forward(_:bns:input:blockBudget:)`` keeps for the backward pass of one
/// convolution.
public struct ConvMaxOverWidthCache: Sendable {
    /// Pre-activations `z = conv(x) + b`, `[n·oh·ow, c]` row-major.
    public var preActivation: [Float]
    /// Width index (within `0..<ow`) that the max over width picked, `[n·oh, c]`.
    public var selected: [Int32]
    /// `x̂` at the selected positions, `[n·oh, c]`.
    public var selectedNormalized: [Float]
    /// Batch mean `μ_B` and `1/√(σ²_B + ε)` per channel.
    public var mean: [Float]
    public var inverseStd: [Float]
    /// Values per channel in the batch statistics (`n·oh·ow`).
    public var count: Int
}

/// Gradients of one front-end block.
public struct ConvMaxOverWidthGradients: Sendable {
    public var kernel: Tensor
    public var bias: [Float]
    public var gamma: [Float]
    public var beta: [Float]
}

/// Training form of ``ConvMaxOverWidth``: musicnn's front-end block `max_w BN(relu(conv(x) + b))` with the
/// batch norm in training mode (statistics of the batch over all `m = n·oh·ow` positions, moving averages
/// updated as TensorFlow's fused batch norm, see ``BatchNormTraining``), never materialising the normalised map.
///
/// Forward, per channel `c`: `r = relu(z)`, `μ = mean(r)`, `σ² = mean((r − μ)²)`, `s = 1/√(σ² + ε)`,
/// `y = γ·(r − μ)·s + β` is monotone in `r` (increasing for `γ ≥ 0`, decreasing for `γ < 0`), so the max over
/// width is `y` at the first position `w*` where `r` is largest (`γ ≥ 0`) or smallest (`γ < 0`), as
/// TensorFlow's max pooling, whose gradient goes to the first maximum.
///
/// Backward, with `g = ∂L/∂out[n, oh, c]` and `G` the full-map gradient (`g` at `w*`, 0 elsewhere):
///
///     ∂L/∂β = Σ g        ∂L/∂γ = Σ g·x̂(w*)
///     ∂L/∂r = γ·s·(G − ∂L/∂β/m − x̂·∂L/∂γ/m)          ∂L/∂z = ∂L/∂r · 1[z > 0]
///     ∂L/∂W = Xᵀ·∂L/∂z (im2col blocks, cblas_sgemm)    ∂L/∂b = Σ ∂L/∂z
///
/// The input gradient is not computed: in musicnn the block reads the (frozen) normalised spectrogram.
public enum ConvMaxOverWidthTraining {
    /// Outputs `[n, oh, c_i]` per convolution and the caches for ``backward(_:bns:input:caches:outputGradients:blockBudget:)``.
    /// `convs` must have identity activation (the ReLU is part of the block) and may share one im2col as in
    /// ``ConvMaxOverWidth``. Updates each batch norm's moving statistics.
    public static func forward(_ convs: [Conv2D], bns: inout [BatchNormTraining], input x: Tensor,
                               blockBudget: Int = ConvMaxOverWidth.blockBudget) -> (outputs: [Tensor], caches: [ConvMaxOverWidthCache]) {
        precondition(bns.count == convs.count, "ConvMaxOverWidthTraining: \(convs.count) convs, \(bns.count) bns")
        for (c, bn) in zip(convs, bns) {
            precondition(c.activation == .identity, "ConvMaxOverWidthTraining: the ReLU is part of the block; give identity convs")
            precondition(bn.channels == c.outputChannels, "ConvMaxOverWidthTraining: bn \(bn.channels) vs \(c.outputChannels) channels")
        }
        let cols = SharedWindowColumns(convs, input: x)
        let (n, oh, ow, kWin) = (cols.n, cols.oh, cols.ow, cols.windowLength)
        let rowsTotal = n * oh, m = rowsTotal * ow
        precondition(m > 0, "ConvMaxOverWidthTraining: empty batch")
        var zs = convs.map { [Float](repeating: 0, count: m * $0.outputChannels) }
        let rowsPerBlock = cols.rowsPerBlock(budget: blockBudget)
        let col = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * ow * kWin)
        defer { col.deallocate() }
        let rowLen = cols.kw * cols.ci
        x.values.withUnsafeBufferPointer { xb in
            var first = 0
            while first < rowsTotal {
                let rows = min(rowsPerBlock, rowsTotal - first)
                cols.fill(col, x: xb.baseAddress!, first: first, rows: rows)
                for (i, conv) in convs.enumerated() where conv.outputChannels > 0 {
                    let co = conv.outputChannels
                    zs[i].withUnsafeMutableBufferPointer { zb in
                        let z = zb.baseAddress! + first * ow * co
                        conv.kernel.values.withUnsafeBufferPointer { wk in
                            GEMM.sgemm(m: rows * ow, n: co, k: conv.kernelHeight * rowLen, a: col + cols.columnOffset(i), lda: kWin,
                                       b: wk.baseAddress!, ldb: co, c: z, ldc: co)
                        }
                        conv.bias.withUnsafeBufferPointer { b in
                            for r in 0..<(rows * ow) { let row = z + r * co; for c in 0..<co { row[c] += b[c] } }
                        }
                    }
                }
                first += rows
            }
        }
        var outputs: [Tensor] = [], caches: [ConvMaxOverWidthCache] = []
        for i in convs.indices {
            let (y, cache) = finish(z: zs[i], rows: rowsTotal, width: ow, bn: &bns[i])
            outputs.append(Tensor(shape: [n, oh, convs[i].outputChannels], values: y))
            caches.append(cache)
        }
        return (outputs, caches)
    }

    /// Batch statistics of `relu(z)`, the selected positions and the block output for one convolution.
    static func finish(z: [Float], rows: Int, width ow: Int, bn: inout BatchNormTraining) -> ([Float], ConvMaxOverWidthCache) {
        let co = bn.channels, m = rows * ow
        var sum = [Double](repeating: 0, count: co), sq = [Double](repeating: 0, count: co)
        var out = [Float](repeating: 0, count: rows * co)
        var selected = [Int32](repeating: 0, count: rows * co)
        var xhatSel = [Float](repeating: 0, count: rows * co)
        var mean = [Float](repeating: 0, count: co), invStd = [Float](repeating: 0, count: co)
        z.withUnsafeBufferPointer { zb in
            let zp = zb.baseAddress!
            for r in 0..<m { let row = zp + r * co; for c in 0..<co { sum[c] += Double(max(row[c], 0)) } }
            let mu = sum.map { $0 / Double(m) }
            for r in 0..<m {
                let row = zp + r * co
                for c in 0..<co { let d = Double(max(row[c], 0)) - mu[c]; sq[c] += d * d }
            }
            var variance = [Float](repeating: 0, count: co)
            for c in 0..<co {
                variance[c] = Float(sq[c] / Double(m))
                mean[c] = Float(mu[c])
                invStd[c] = Float(1 / (Double(variance[c]) + Double(bn.epsilon)).squareRoot())
            }
            let correction: Float = m > 1 ? Float(m) / Float(m - 1) : 1
            for c in 0..<co {
                bn.movingMean[c] = bn.momentum * bn.movingMean[c] + (1 - bn.momentum) * mean[c]
                bn.movingVariance[c] = bn.momentum * bn.movingVariance[c] + (1 - bn.momentum) * variance[c] * correction
            }
            // Selection per (row, channel): first position of the largest r (γ ≥ 0) or the smallest r (γ < 0).
            for r in 0..<rows {
                let base = zp + r * ow * co
                for c in 0..<co {
                    var best = max(base[c], 0), at = 0
                    if bn.gamma[c] >= 0 {
                        for q in 1..<max(ow, 1) { let v = max(base[q * co + c], 0); if v > best { best = v; at = q } }
                    } else {
                        for q in 1..<max(ow, 1) where best > 0 { let v = max(base[q * co + c], 0); if v < best { best = v; at = q } }
                    }
                    let xh = (best - mean[c]) * invStd[c]
                    selected[r * co + c] = Int32(at)
                    xhatSel[r * co + c] = xh
                    out[r * co + c] = bn.gamma[c] * xh + bn.beta[c]
                }
            }
        }
        return (out, ConvMaxOverWidthCache(preActivation: z, selected: selected, selectedNormalized: xhatSel,
                                           mean: mean, inverseStd: invStd, count: m))
    }

    /// Gradients of every convolution's kernel, bias and batch-norm `γ`, `β` for upstream `outputGradients`
    /// (`[n, oh, c_i]`), from the forward `caches` and the same `input`.
    public static func backward(_ convs: [Conv2D], bns: [BatchNormTraining], input x: Tensor, caches: [ConvMaxOverWidthCache],
                                outputGradients: [Tensor], blockBudget: Int = ConvMaxOverWidth.blockBudget) -> [ConvMaxOverWidthGradients] {
        precondition(caches.count == convs.count && outputGradients.count == convs.count && bns.count == convs.count,
                     "ConvMaxOverWidthTraining.backward: counts differ")
        let cols = SharedWindowColumns(convs, input: x)
        let (oh, ow, kWin) = (cols.oh, cols.ow, cols.windowLength)
        let rowsTotal = cols.n * oh
        let rowLen = cols.kw * cols.ci
        var grads: [ConvMaxOverWidthGradients] = []
        var pre: [(k: [Float], dbeta: [Float], dgamma: [Float])] = []
        for i in convs.indices {
            let co = convs[i].outputChannels
            let g = outputGradients[i]
            precondition(g.shape == [cols.n, oh, co], "ConvMaxOverWidthTraining.backward: gradient \(g.shape)")
            var dbeta = [Double](repeating: 0, count: co), dgamma = [Double](repeating: 0, count: co)
            g.values.withUnsafeBufferPointer { gv in
                caches[i].selectedNormalized.withUnsafeBufferPointer { xs in
                    for r in 0..<rowsTotal {
                        for c in 0..<co { dbeta[c] += Double(gv[r * co + c]); dgamma[c] += Double(gv[r * co + c]) * Double(xs[r * co + c]) }
                    }
                }
            }
            let k = (0..<co).map { bns[i].gamma[$0] * caches[i].inverseStd[$0] }
            pre.append((k, dbeta.map { Float($0) }, dgamma.map { Float($0) }))
            grads.append(ConvMaxOverWidthGradients(kernel: Tensor(shape: convs[i].kernel.shape), bias: [Float](repeating: 0, count: co),
                                                   gamma: dgamma.map { Float($0) }, beta: dbeta.map { Float($0) }))
        }
        let maxCo = convs.map(\.outputChannels).max() ?? 0
        let rowsPerBlock = cols.rowsPerBlock(budget: blockBudget)
        let col = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * ow * kWin)
        let dz = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * ow * max(maxCo, 1))
        defer { col.deallocate(); dz.deallocate() }
        x.values.withUnsafeBufferPointer { xb in
            var first = 0
            while first < rowsTotal {
                let rows = min(rowsPerBlock, rowsTotal - first)
                cols.fill(col, x: xb.baseAddress!, first: first, rows: rows)
                for i in convs.indices where convs[i].outputChannels > 0 {
                    let co = convs[i].outputChannels
                    let cache = caches[i]
                    let invM = 1 / Float(cache.count)
                    let a = pre[i].dbeta.map { $0 * invM }, b = pre[i].dgamma.map { $0 * invM }
                    let kk = pre[i].k
                    cache.preActivation.withUnsafeBufferPointer { zb in
                    cache.selected.withUnsafeBufferPointer { sel in
                    outputGradients[i].values.withUnsafeBufferPointer { gv in
                    cache.mean.withUnsafeBufferPointer { mu in
                    cache.inverseStd.withUnsafeBufferPointer { s in
                        for r in 0..<rows {
                            let row = first + r
                            for q in 0..<ow {
                                let z = zb.baseAddress! + (row * ow + q) * co
                                let d = dz + (r * ow + q) * co
                                for c in 0..<co {
                                    let zc = z[c]
                                    if zc > 0 {
                                        let xh = (zc - mu[c]) * s[c]
                                        let gFull: Float = sel[row * co + c] == Int32(q) ? gv[row * co + c] : 0
                                        d[c] = kk[c] * (gFull - a[c] - xh * b[c])
                                    } else {
                                        d[c] = 0
                                    }
                                }
                            }
                        }
                    }}}}}
                    grads[i].kernel.values.withUnsafeMutableBufferPointer { dw in
                        GEMM.sgemm(m: convs[i].kernelHeight * rowLen, n: co, k: rows * ow, a: col + cols.columnOffset(i), lda: kWin,
                                   transposeA: true, b: dz, ldb: co, c: dw.baseAddress!, ldc: co, beta: first == 0 ? 0 : 1)
                    }
                    grads[i].bias.withUnsafeMutableBufferPointer { db in
                        for r in 0..<(rows * ow) { let d = dz + r * co; for c in 0..<co { db[c] += d[c] } }
                    }
                }
                first += rows
            }
        }
        return grads
    }
}
