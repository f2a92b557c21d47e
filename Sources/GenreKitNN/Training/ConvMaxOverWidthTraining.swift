import Foundation
import GenreKitCore

/// What ``ConvMaxOverWidthTraining/forward(_:bns:input:blockBudget:)`` keeps for the backward pass of one
/// convolution (the pre-activations are recomputed block by block, never stored).
public struct ConvMaxOverWidthCache: Sendable {
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
/// updated as TensorFlow's fused batch norm, see ``BatchNormTraining``), never materialising the `[n, oh, ow, c]`
/// maps: each im2col block's GEMM output is reduced while it is in cache.
///
/// Forward, per channel `c`: `r = relu(z)`, `μ = mean(r)`, `σ² = mean(r²) − μ²` (float64 sums),
/// `s = 1/√(σ² + ε)`; `y = γ·(r − μ)·s + β` is monotone in `r` (increasing for `γ ≥ 0`, decreasing for `γ < 0`),
/// so the max over width is `y` at the first position `w*` where `r` is largest (`γ ≥ 0`) or smallest (`γ < 0`),
/// as TensorFlow's max pooling, whose gradient goes to the first maximum.
///
/// Backward, with `g = ∂L/∂out[n, oh, c]` and `G` the full-map gradient (`g` at `w*`, 0 elsewhere):
///
///     ∂L/∂β = Σ g        ∂L/∂γ = Σ g·x̂(w*)
///     ∂L/∂r = γ·s·(G − ∂L/∂β/m − x̂·∂L/∂γ/m)          ∂L/∂z = ∂L/∂r · 1[z > 0]
///     ∂L/∂W = Xᵀ·∂L/∂z (im2col blocks, cblas_sgemm)    ∂L/∂b = Σ ∂L/∂z
///
/// The backward pass recomputes `z` per block (one more GEMM of the forward's size) instead of keeping it: for
/// musicnn's front end that is cheaper than writing and re-reading the maps (~25 MB per segment). The input
/// gradient is not computed: in musicnn the block reads the (frozen) normalised spectrogram. Blocks run on all
/// cores, each with single-threaded BLAS; results are deterministic for a given core count.
///
/// In `precision` bf16 the three products per block (forward, its recomputation, `∂L/∂W`) round their operands to
/// bfloat16 and sum in float32 (``BFloat16GEMM``, single-threaded per block like OpenBLAS); the forward and its
/// recomputation are the same product, so the backward pass sees the forward's `z`. Statistics, the max over
/// width and every other step stay float32.
public enum ConvMaxOverWidthTraining {
    /// Worker threads (default: active processors).
    nonisolated(unsafe) public static var threads = ProcessInfo.processInfo.activeProcessorCount

    /// Runs `body(thread, block)` for blocks `0..<blocks`, block `b` on thread `b % threads`.
    static func parallelBlocks(_ blocks: Int, _ body: (Int, Int) -> Void) {
        let t = max(1, min(threads, blocks))
        if t == 1 { for b in 0..<blocks { body(0, b) }; return }
        withoutActuallyEscaping(body) { body in
            let f = UncheckedSendable(body)
            BLASThreads.withSingleThread {
                DispatchQueue.concurrentPerform(iterations: t) { k in
                    var b = k
                    while b < blocks { f.value(k, b); b += t }
                }
            }
        }
    }

    /// Outputs `[n, oh, c_i]` per convolution and the caches for ``backward(_:bns:input:caches:outputGradients:blockBudget:)``.
    /// `convs` must have identity activation (the ReLU is part of the block) and may share one im2col as in
    /// ``ConvMaxOverWidth``. Updates each batch norm's moving statistics.
    public static func forward(_ convs: [Conv2D], bns: inout [BatchNormTraining], input x: Tensor,
                               blockBudget: Int = ConvMaxOverWidth.blockBudget,
                               precision: InferencePrecision = .fp32) -> (outputs: [Tensor], caches: [ConvMaxOverWidthCache]) {
        precondition(bns.count == convs.count, "ConvMaxOverWidthTraining: \(convs.count) convs, \(bns.count) bns")
        for (c, bn) in zip(convs, bns) {
            precondition(c.activation == .identity, "ConvMaxOverWidthTraining: the ReLU is part of the block; give identity convs")
            precondition(bn.channels == c.outputChannels, "ConvMaxOverWidthTraining: bn \(bn.channels) vs \(c.outputChannels) channels")
        }
        let cols = SharedWindowColumns(convs, input: x)
        let (n, oh, ow, kWin) = (cols.n, cols.oh, cols.ow, cols.windowLength)
        let rowsTotal = n * oh
        precondition(rowsTotal * ow > 0, "ConvMaxOverWidthTraining: empty batch")
        let rowsPerBlock = cols.rowsPerBlock(budget: blockBudget)
        let blocks = (rowsTotal + rowsPerBlock - 1) / rowsPerBlock
        let threads = max(1, min(Self.threads, blocks))
        let maxCo = max(convs.map(\.outputChannels).max() ?? 1, 1)
        let rowLen = cols.kw * cols.ci
        // Per convolution: extreme z per (row, c) and its index; per block: Σr, Σr² per channel.
        let extremes = convs.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: rowsTotal * $0.outputChannels) }
        let indices = convs.map { UnsafeMutableBufferPointer<Int32>.allocate(capacity: rowsTotal * $0.outputChannels) }
        let sums = convs.map { UnsafeMutableBufferPointer<Double>.allocate(capacity: blocks * 2 * $0.outputChannels) }
        let scratch = (0..<threads).map { _ in (col: UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * ow * kWin),
                                               z: UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * ow * maxCo)) }
        defer {
            extremes.forEach { $0.deallocate() }; indices.forEach { $0.deallocate() }; sums.forEach { $0.deallocate() }
            scratch.forEach { $0.col.deallocate(); $0.z.deallocate() }
        }
        let kernels = convs.map { $0.kernel.values }, biases = convs.map(\.bias)
        let positive = bns.map { bn in bn.gamma.map { $0 >= 0 } }
        let low = BF16Operands(convs, precision: precision, threads: threads, rows: rowsPerBlock * ow, rowLength: rowLen)
        defer { low?.deallocate() }
        x.values.withUnsafeBufferPointer { xb in
            let xp = UncheckedSendable(xb.baseAddress!)
            parallelBlocks(blocks) { t, blk in
                let first = blk * rowsPerBlock, rows = min(rowsPerBlock, rowsTotal - first)
                let (col, z) = scratch[t]
                cols.fill(col, x: xp.value, first: first, rows: rows)
                for i in convs.indices where convs[i].outputChannels > 0 {
                    let co = convs[i].outputChannels
                    _ = product(convs[i], kernel: kernels[i], low: low, conv: i, thread: t, rows: rows * ow,
                                a: col + cols.columnOffset(i), lda: kWin, rowLength: rowLen, z: z)
                    reduceBlock(z, rows: rows, ow: ow, co: co, bias: biases[i], positive: positive[i],
                                extreme: extremes[i].baseAddress! + first * co, index: indices[i].baseAddress! + first * co,
                                sums: sums[i].baseAddress! + blk * 2 * co)
                }
            }
        }
        var outputs: [Tensor] = [], caches: [ConvMaxOverWidthCache] = []
        let m = rowsTotal * ow
        for i in convs.indices {
            let co = convs[i].outputChannels
            var mean = [Float](repeating: 0, count: co), invStd = [Float](repeating: 0, count: co)
            var bn = bns[i]
            for c in 0..<co {
                var s1 = 0.0, s2 = 0.0
                for blk in 0..<blocks { s1 += sums[i][blk * 2 * co + c]; s2 += sums[i][blk * 2 * co + co + c] }
                let mu = s1 / Double(m), variance = max(s2 / Double(m) - mu * mu, 0)
                mean[c] = Float(mu)
                invStd[c] = Float(1 / (Float(variance) + bn.epsilon).squareRoot())
                let correction: Float = m > 1 ? Float(m) / Float(m - 1) : 1
                bn.movingMean[c] = bn.momentum * bn.movingMean[c] + (1 - bn.momentum) * mean[c]
                bn.movingVariance[c] = bn.momentum * bn.movingVariance[c] + (1 - bn.momentum) * Float(variance) * correction
            }
            bns[i] = bn
            var out = [Float](repeating: 0, count: rowsTotal * co), xs = [Float](repeating: 0, count: rowsTotal * co)
            for r in 0..<rowsTotal {
                for c in 0..<co {
                    let xh = (max(extremes[i][r * co + c], 0) - mean[c]) * invStd[c]
                    xs[r * co + c] = xh
                    out[r * co + c] = bn.gamma[c] * xh + bn.beta[c]
                }
            }
            outputs.append(Tensor(shape: [n, oh, co], values: out))
            caches.append(ConvMaxOverWidthCache(selected: Array(indices[i]), selectedNormalized: xs, mean: mean, inverseStd: invStd, count: m))
        }
        return (outputs, caches)
    }

    /// One block's `z = A·W` (`rows × co`, A the block's im2col columns of the convolution): `cblas_sgemm`, or in
    /// bf16 ``BFloat16GEMM`` with A rounded into the thread's scratch (kept for ``BF16Operands/kernelGradient``).
    /// Returns whether the product ran in bf16.
    static func product(_ conv: Conv2D, kernel: [Float], low: BF16Operands?, conv i: Int, thread t: Int, rows: Int,
                        a: UnsafePointer<Float>, lda: Int, rowLength: Int, z: UnsafeMutablePointer<Float>) -> Bool {
        let co = conv.outputChannels, k = conv.kernelHeight * rowLength
        if let low, low.forward(m: rows, n: co, k: k, conv: i, thread: t, a: a, lda: lda, z: z) { return true }
        kernel.withUnsafeBufferPointer { wk in
            GEMM.sgemm(m: rows, n: co, k: k, a: a, lda: lda, b: wk.baseAddress!, ldb: co, c: z, ldc: co)
        }
        return false
    }

    /// One block's `z + b`: Σr and Σr² per channel into `sums` (`[Σr | Σr²]`), and per output row and channel the
    /// extreme pre-activation and its width index: for `γ ≥ 0` the first maximum of `z` (index 0 when every
    /// `z ≤ 0`: all `r` tie at 0); for `γ < 0` the minimum of `z`, at the first `z ≤ 0` when there is one.
    static func reduceBlock(_ z: UnsafeMutablePointer<Float>, rows: Int, ow: Int, co: Int, bias: [Float], positive: [Bool],
                            extreme: UnsafeMutablePointer<Float>, index: UnsafeMutablePointer<Int32>, sums: UnsafeMutablePointer<Double>) {
        // Scratch per channel: Σr, Σr² of one row, the signed running extreme (max of ±z), the first z ≤ 0.
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 4 * co)
        let firstNonPositive = UnsafeMutablePointer<Int32>.allocate(capacity: co)
        defer { scratch.deallocate(); firstNonPositive.deallocate() }
        let a1 = scratch, a2 = scratch + co, best = scratch + 2 * co, sign = scratch + 3 * co
        for c in 0..<co { sign[c] = positive[c] ? 1 : -1; sums[c] = 0; sums[co + c] = 0 }
        bias.withUnsafeBufferPointer { bb in
            let b = bb.baseAddress!
            for r in 0..<rows {
                let idx = index + r * co
                let row0 = z + r * ow * co
                for c in 0..<co {
                    let v = row0[c] + b[c], rv = max(v, 0)
                    a1[c] = rv; a2[c] = rv * rv
                    best[c] = sign[c] * v; idx[c] = 0
                    firstNonPositive[c] = v <= 0 ? 0 : -1
                }
                for q in 1..<max(ow, 1) {
                    let row = row0 + q * co
                    let qi = Int32(q)
                    for c in 0..<co {
                        let v = row[c] + b[c], rv = max(v, 0)
                        a1[c] += rv; a2[c] += rv * rv
                        let w = sign[c] * v
                        let better = w > best[c]
                        best[c] = better ? w : best[c]
                        idx[c] = better ? qi : idx[c]
                        firstNonPositive[c] = firstNonPositive[c] < 0 && v <= 0 ? qi : firstNonPositive[c]
                    }
                }
                let ext = extreme + r * co
                for c in 0..<co {
                    let v = sign[c] * best[c]
                    ext[c] = v
                    if sign[c] > 0 { if v <= 0 { idx[c] = 0 } } else if firstNonPositive[c] >= 0 { idx[c] = firstNonPositive[c] }
                    sums[c] += Double(a1[c]); sums[co + c] += Double(a2[c])
                }
            }
        }
    }

    /// Gradients of every convolution's kernel, bias and batch-norm `γ`, `β` for upstream `outputGradients`
    /// (`[n, oh, c_i]`), from the forward `caches` and the same `input`.
    public static func backward(_ convs: [Conv2D], bns: [BatchNormTraining], input x: Tensor, caches: [ConvMaxOverWidthCache],
                                outputGradients: [Tensor], blockBudget: Int = ConvMaxOverWidth.blockBudget,
                                precision: InferencePrecision = .fp32) -> [ConvMaxOverWidthGradients] {
        precondition(caches.count == convs.count && outputGradients.count == convs.count && bns.count == convs.count,
                     "ConvMaxOverWidthTraining.backward: counts differ")
        let cols = SharedWindowColumns(convs, input: x)
        let (oh, ow, kWin) = (cols.oh, cols.ow, cols.windowLength)
        let rowsTotal = cols.n * oh
        let rowLen = cols.kw * cols.ci
        let rowsPerBlock = cols.rowsPerBlock(budget: blockBudget)
        let blocks = (rowsTotal + rowsPerBlock - 1) / rowsPerBlock
        let threads = max(1, min(Self.threads, blocks))
        // Per convolution: γ·s, ∂L/∂β/m, ∂L/∂γ/m and the γ, β gradients.
        var coefficients: [(k: [Float], a: [Float], b: [Float])] = []
        var grads: [ConvMaxOverWidthGradients] = []
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
            let invM = 1 / Double(caches[i].count)
            coefficients.append(((0..<co).map { bns[i].gamma[$0] * caches[i].inverseStd[$0] },
                                 dbeta.map { Float($0 * invM) }, dgamma.map { Float($0 * invM) }))
            grads.append(ConvMaxOverWidthGradients(kernel: Tensor(shape: convs[i].kernel.shape), bias: [Float](repeating: 0, count: co),
                                                   gamma: dgamma.map { Float($0) }, beta: dbeta.map { Float($0) }))
        }
        let maxCo = max(convs.map(\.outputChannels).max() ?? 1, 1)
        // Per thread: im2col, z/∂z scratch, and its own ∂W, ∂b accumulators (summed in thread order at the end).
        let scratch = (0..<threads).map { _ in (col: UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * ow * kWin),
                                               z: UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * ow * maxCo)) }
        let dW = (0..<threads).map { _ in convs.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: $0.kernel.count) } }
        let dB = (0..<threads).map { _ in convs.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: $0.outputChannels) } }
        for t in 0..<threads { for i in convs.indices { dW[t][i].initialize(repeating: 0); dB[t][i].initialize(repeating: 0) } }
        defer {
            scratch.forEach { $0.col.deallocate(); $0.z.deallocate() }
            dW.joined().forEach { $0.deallocate() }; dB.joined().forEach { $0.deallocate() }
        }
        let kernels = convs.map { $0.kernel.values }, biases = convs.map(\.bias)
        let low = BF16Operands(convs, precision: precision, threads: threads, rows: rowsPerBlock * ow, rowLength: rowLen)
        defer { low?.deallocate() }
        x.values.withUnsafeBufferPointer { xb in
            let xp = UncheckedSendable(xb.baseAddress!)
            parallelBlocks(blocks) { t, blk in
                let first = blk * rowsPerBlock, rows = min(rowsPerBlock, rowsTotal - first)
                let (col, z) = scratch[t]
                cols.fill(col, x: xp.value, first: first, rows: rows)
                for i in convs.indices where convs[i].outputChannels > 0 {
                    let co = convs[i].outputChannels, k = convs[i].kernelHeight * rowLen
                    let rounded = product(convs[i], kernel: kernels[i], low: low, conv: i, thread: t, rows: rows * ow,
                                          a: col + cols.columnOffset(i), lda: kWin, rowLength: rowLen, z: z)
                    gradientOfBlock(z, rows: rows, first: first, ow: ow, co: co, bias: biases[i], cache: caches[i],
                                    upstream: outputGradients[i], coefficients: coefficients[i], biasGradient: dB[t][i].baseAddress!)
                    if rounded, let low, low.kernelGradient(m: k, n: co, rows: rows * ow, thread: t, dz: z, into: dW[t][i].baseAddress!) {
                        continue
                    }
                    GEMM.sgemm(m: k, n: co, k: rows * ow, a: col + cols.columnOffset(i), lda: kWin, transposeA: true,
                               b: z, ldb: co, c: dW[t][i].baseAddress!, ldc: co, beta: 1)
                }
            }
        }
        for i in convs.indices {
            grads[i].kernel.values.withUnsafeMutableBufferPointer { w in
                for t in 0..<threads { for j in w.indices { w[j] += dW[t][i][j] } }
            }
            for t in 0..<threads { for c in grads[i].bias.indices { grads[i].bias[c] += dB[t][i][c] } }
        }
        return grads
    }

    /// Overwrites one block's GEMM output `z` (without bias) with `∂L/∂z` and adds its column sums to `biasGradient`.
    static func gradientOfBlock(_ z: UnsafeMutablePointer<Float>, rows: Int, first: Int, ow: Int, co: Int, bias: [Float],
                                cache: ConvMaxOverWidthCache, upstream: Tensor, coefficients: (k: [Float], a: [Float], b: [Float]),
                                biasGradient: UnsafeMutablePointer<Float>) {
        bias.withUnsafeBufferPointer { bb in
        cache.selected.withUnsafeBufferPointer { sel in
        upstream.values.withUnsafeBufferPointer { gv in
        cache.mean.withUnsafeBufferPointer { mu in
        cache.inverseStd.withUnsafeBufferPointer { s in
        coefficients.k.withUnsafeBufferPointer { kk in
        coefficients.a.withUnsafeBufferPointer { a in
        coefficients.b.withUnsafeBufferPointer { b in
            for r in 0..<rows {
                let row = first + r
                let g = gv.baseAddress! + row * co, picked = sel.baseAddress! + row * co
                for q in 0..<ow {
                    let d = z + (r * ow + q) * co
                    for c in 0..<co {
                        let v = d[c] + bb[c]
                        let gFull: Float = picked[c] == Int32(q) ? g[c] : 0
                        let dv = kk[c] * (gFull - a[c] - (v - mu[c]) * s[c] * b[c])
                        d[c] = v > 0 ? dv : 0
                        biasGradient[c] += d[c]
                    }
                }
            }
        }}}}}}}}
    }
}
