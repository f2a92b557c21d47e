import Foundation
import CVectorKernels
import GenreKitCore

/// Convolution followed by ReLU, batch norm and a max over the whole width axis — musicnn's
/// front-end block `max_w bn(relu(conv(x) + b))` — fused so the `[n, h, w, c]` activation is
/// never materialised.
///
/// Reordering (exact, also in float32): ReLU and `fl(z + b)` are monotone non-decreasing and
/// `v ↦ fl(v·s + t)` is non-decreasing for `s ≥ 0`, non-increasing for `s < 0`, so
///
///     max_w bn(relu(z_w + b)) = bn(relu(max_w z_w + b))   when s ≥ 0,
///                             = bn(relu(min_w z_w + b))   when s < 0 (γ < 0).
///
/// Only the per-row max/min of the raw GEMM output is kept. Several convolutions may share one
/// im2col matrix when their windows nest (same kernel width, same output size, e.g. musicnn's
/// 'same' 128×1, 64×1 and 32×1 temporal filters): each reads its sub-window of the shared patch
/// through a column offset and a leading dimension equal to the shared patch length.
public enum ConvMaxOverWidth {
    /// Floats of im2col scratch per block (rows are whole output rows `(n, oh)`).
    public static let blockBudget = 1 << 18

    /// `[n, oh, c_i]` for each `convs[i]` over the shared NHWC input `x`.
    ///
    /// Requirements: every conv has activation `.identity` or `.relu`, the same kernel width,
    /// input channels and strides, and the same output height/width on `x`; the kernels' rows must
    /// lie inside one common window (automatically true for nested 'same' or equal 'valid' kernels).
    ///
    /// The convolutions run by `method`, or as ``ConvPlan`` decided for these shapes (measuring both on the first
    /// call): im2col + ``WeightGEMM`` in `precision` (int8 scales activations by `activationScale`, or by
    /// `max |x| / 127` of this input when `nil`; a given scale with `activationZeroPoint` `z` quantises the input
    /// asymmetrically, `x ≈ s_a · (x_q − z)` with `x_q ∈ [−128, 127]`), or oneDNN's direct convolution (``DNNLConvolution``; one input
    /// channel, stride 1; int8 for width-long kernels, space to depth). Both give the same values up to float32 summation order (bf16: up to
    /// the rounding of inputs and weights, which both methods do the same way; int8: the same values, bit for bit).
    public static func forward(_ convs: [Conv2D], bns: [BatchNorm?], input x: Tensor,
                               blockBudget: Int = ConvMaxOverWidth.blockBudget,
                               precision: InferencePrecision = .fp32, activationScale: Float? = nil,
                               activationZeroPoint: Int8 = 0, method: ConvPlan.Method? = nil) -> [Tensor] {
        precondition(!convs.isEmpty && bns.count == convs.count, "ConvMaxOverWidth: \(convs.count) convs, \(bns.count) bns")
        for (c, bn) in zip(convs, bns) {
            precondition(c.activation == .relu || c.activation == .identity, "ConvMaxOverWidth: activation must be monotone")
            if let bn { precondition(bn.channels == c.outputChannels, "ConvMaxOverWidth: bn channels") }
        }
        guard let key = planKey(convs, input: x, precision: precision) else {
            if precision == .int8 {
                return int8AcrossCores(convs, bns: bns, input: x, blockBudget: blockBudget, activationScale: activationScale,
                                       activationZeroPoint: activationZeroPoint)
            }
            return im2col(convs, bns: bns, input: x, blockBudget: blockBudget, precision: precision, activationScale: activationScale)
        }
        let chosen = method ?? ConvPlan.method(for: key)
            ?? measure(convs, bns: bns, input: x, key: key, blockBudget: blockBudget, activationScale: activationScale,
                       activationZeroPoint: activationZeroPoint)
        if chosen == .onednn {
            do {
                return try onednn(convs, bns: bns, input: x, key: key, activationScale: activationScale, activationZeroPoint: activationZeroPoint)
            } catch { ConvPlan.fellBack(key, error) }
        }
        if precision == .int8 {
            return int8AcrossCores(convs, bns: bns, input: x, blockBudget: blockBudget, activationScale: activationScale,
                                   activationZeroPoint: activationZeroPoint)
        }
        return im2col(convs, bns: bns, input: x, blockBudget: blockBudget, precision: precision, activationScale: activationScale)
    }

    /// The plan key of a group oneDNN's direct convolution could run (one input channel, stride 1, non-empty
    /// output; int8: kernels at least as wide as high and outputs at least 4 wide, ``DNNLConvolution/Shape/int8Group``),
    /// else `nil`.
    static func planKey(_ convs: [Conv2D], input x: Tensor, precision: InferencePrecision) -> ConvPlan.Key? {
        guard x.rank == 4, x.shape[3] == 1, x.shape[0] > 0 else { return nil }
        let h = x.shape[1], w = x.shape[2]
        var rows: [[Int]] = []
        for c in convs {
            guard c.inputChannels == 1, c.strideH == 1, c.strideW == 1, c.outputChannels > 0 else { return nil }
            let (oh, pt) = c.padding.output(inputSize: h, kernel: c.kernelHeight, stride: 1)
            let (ow, pl) = c.padding.output(inputSize: w, kernel: c.kernelWidth, stride: 1)
            guard oh > 0, ow > 0 else { return nil }
            if precision == .int8 && (c.kernelWidth < c.kernelHeight || ow < DNNLConvolution.Shape.int8Group) { return nil }
            rows.append([c.kernelHeight, c.kernelWidth, c.outputChannels,
                         pt, oh - 1 + c.kernelHeight - h - pt, pl, ow - 1 + c.kernelWidth - w - pl])
        }
        return ConvPlan.Key(h: h, w: w, precision: precision, convs: rows, singleThreaded: BLASThreads.isSingleThreaded)
    }

    /// Times both methods on the first patches of `x`, alternating them (one untimed run each, then four timed
    /// runs each, the best kept, so that load from other threads falls on both alike) and records the faster for
    /// `key`. The choice is kept for the machine (``KernelPlanStore``), so this runs once per layer shape.
    /// int8: the scale is `activationScale`, or taken from `x` as ``forward(_:bns:input:blockBudget:precision:activationScale:activationZeroPoint:method:)``
    /// would, for both methods.
    static func measure(_ convs: [Conv2D], bns: [BatchNorm?], input x: Tensor, key: ConvPlan.Key, blockBudget: Int,
                        activationScale: Float? = nil, activationZeroPoint: Int8 = 0) -> ConvPlan.Method {
        let patches = Swift.min(x.shape[0], 2)
        let xs = patches == x.shape[0] ? x
            : Tensor(shape: [patches] + x.shape.dropFirst(), values: Array(x.values[0..<(patches * x.count / x.shape[0])]))
        func seconds(_ body: () throws -> Void) rethrows -> Double {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
        let int8 = key.precision == .int8
        let im2colRun = {
            if int8 {
                _ = int8AcrossCores(convs, bns: bns, input: xs, blockBudget: blockBudget, activationScale: activationScale,
                                    activationZeroPoint: activationZeroPoint)
            } else {
                _ = im2col(convs, bns: bns, input: xs, blockBudget: blockBudget, precision: key.precision, activationScale: nil)
            }
        }
        let onednnRun = {
            _ = try onednn(convs, bns: bns, input: xs, key: key, activationScale: activationScale, activationZeroPoint: activationZeroPoint)
        }
        var ti = Double.infinity, td: Double? = .infinity
        for rep in 0..<5 {
            let a = seconds(im2colRun)
            let b = td == nil ? nil : try? seconds(onednnRun)
            if b == nil { td = nil }
            if rep > 0 {
                ti = Swift.min(ti, a)
                if let b, let d = td { td = Swift.min(d, b) }
            }
        }
        return ConvPlan.decide(key, im2col: ti, onednn: td)
    }

    /// `bn(relu(v + b))` in place for one output row of `co` channels, `dst` holding `v`: the row's `max_w` (or
    /// `min_w` where `s < 0`) of the raw convolution.
    @inline(__always)
    static func finishRow(_ dst: UnsafeMutablePointer<Float>, co: Int, relu: Bool, bias: UnsafePointer<Float>,
                          scale s: UnsafePointer<Float>, shift t: UnsafePointer<Float>) {
        for c in 0..<co {
            var v = dst[c] + bias[c]
            if relu { v = Swift.max(v, 0) }
            dst[c] = v * s[c] + t[c]
        }
    }

    /// Lane-wise max and min of `count` consecutive 16-float vectors starting at `v` (count ≥ 1): `max(a, b) =
    /// b >= a ? b : a` and `min(a, b) = b < a ? b : a` in index order (`genrekit_max_min_16`, built for AVX-512F, AVX2
    /// and baseline x86-64 and chosen at load, so it runs 16 lanes per instruction where the CPU has them).
    @inline(__always)
    static func maxMin(_ v: UnsafePointer<Float>, count: Int, max mx: UnsafeMutablePointer<Float>, min mn: UnsafeMutablePointer<Float>) {
        genrekit_max_min_16(v, Swift.max(count, 1), mx, mn)
    }

    /// The oneDNN method: one patch per oneDNN call, each reduced over width (16-lane max/min of the blocked output)
    /// right after its convolution while the output is still in cache. Outside ``BLASThreads/withSingleThread(_:)``
    /// the patches are spread over the cores, each call on its own thread (one patch keeps oneDNN's own threads
    /// only half busy, and the reduction would run on one core).
    /// Each convolution runs with `layouts[i]` (output phases and channel rounding, ``DNNLConvolution/Layout``), or with
    /// the fastest measured for its shape (``DNNLConvolution/bestLayout(for:)``).
    /// int8 runs ``onednnInt8(_:bns:input:key:phases:activationScale:activationZeroPoint:)`` (the layouts' phases).
    static func onednn(_ convs: [Conv2D], bns: [BatchNorm?], input x: Tensor, key: ConvPlan.Key, layouts: [DNNLConvolution.Layout]? = nil,
                       activationScale: Float? = nil, activationZeroPoint: Int8 = 0) throws -> [Tensor] {
        let precision = key.precision
        if precision == .int8 {
            return try onednnInt8(convs, bns: bns, input: x, key: key, phases: layouts?.map(\.phases), activationScale: activationScale,
                                  activationZeroPoint: activationZeroPoint)
        }
        let n = x.shape[0], h = x.shape[1], w = x.shape[2]
        var outs: [Tensor] = []
        var bf: [UInt16] = []
        if precision == .bf16 {
            bf = [UInt16](repeating: 0, count: x.count)
            x.values.withUnsafeBufferPointer { xb in bf.withUnsafeMutableBufferPointer { LowPrecision.toBFloat16(xb.baseAddress!, $0.baseAddress!, count: xb.count) } }
        }
        for (i, conv) in convs.enumerated() {
            let p = key.convs[i]
            let co = conv.outputChannels
            let base = DNNLConvolution.Shape(n: 1, h: h, w: w, kh: p[0], kw: p[1], co: co, padTop: p[3],
                                             padBottom: p[4], padLeft: p[5], padRight: p[6], precision: precision)
            let shape = base.laidOut(layouts?[i] ?? DNNLConvolution.bestLayout(for: base))
            let prim = try DNNLConvolution.cached(shape)
            let wts = try prim.reorderedWeights(conv.weights)
            let oh = shape.oh
            var out = Tensor(shape: [n, oh, co])
            let scale = bns[i]?.scale ?? [Float](repeating: 1, count: co)
            let shift = bns[i]?.shift ?? [Float](repeating: 0, count: co)
            try x.values.withUnsafeBufferPointer { xb in
                try bf.withUnsafeBufferPointer { bb in
                    try out.values.withUnsafeMutableBufferPointer { ob in
                        try conv.bias.withUnsafeBufferPointer { bias in
                            try scale.withUnsafeBufferPointer { sc in
                                try shift.withUnsafeBufferPointer { sh in
                                    nonisolated(unsafe) let src = precision == .bf16 ? UnsafeRawPointer(bb.baseAddress!) : UnsafeRawPointer(xb.baseAddress!)
                                    let patchBytes = h * w * (precision == .bf16 ? 2 : 4)
                                    nonisolated(unsafe) let o = ob.baseAddress!, bp = bias.baseAddress!, sp = sc.baseAddress!, tp = sh.baseAddress!
                                    let relu = conv.activation == .relu
                                    @Sendable func patches(_ first: Int, _ step: Int) throws {
                                        let pool = ScratchPool.shared
                                        try pool.with(Float.self, count: shape.outputCount) { z in
                                            try pool.with(UInt16.self, count: shape.foldsTaps ? shape.inputCount : 0) { folded in
                                                for patch in stride(from: first, to: n, by: step) {
                                                    if shape.foldsTaps {
                                                        prim.foldInput((src + patch * patchBytes).assumingMemoryBound(to: UInt16.self), into: folded)
                                                        try prim.run(x: folded, weights: wts, z: z)
                                                    } else {
                                                        try prim.run(x: src + patch * patchBytes, weights: wts, z: z)
                                                    }
                                                    reduce(z, shape: shape, relu: relu, bias: bp, scale: sp, shift: tp, into: o + patch * oh * co)
                                                }
                                            }
                                        }
                                    }
                                    try inPatchShares(n, patches)
                                }
                            }
                        }
                    }
                }
            }
            outs.append(out)
        }
        return outs
    }

    /// Runs `body(first, step)` for the patches `first, first + step, …` below `n`: once with `(0, 1)` inside
    /// ``BLASThreads/withSingleThread(_:)`` or for one patch, else one share per core, each on its own thread with
    /// one-threaded libraries; the first error thrown is rethrown.
    static func inPatchShares(_ n: Int, _ body: @escaping @Sendable (Int, Int) throws -> Void) throws {
        let threads = BLASThreads.isSingleThreaded ? 1 : Swift.min(n, ProcessInfo.processInfo.activeProcessorCount)
        if threads <= 1 { return try body(0, 1) }
        let failure = Locked<Error?>(nil)
        BLASThreads.withSingleThread {
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                do { try body(t, threads) } catch { failure.withLock { $0 = error } }
            }
        }
        if let e = failure.value { throw e }
    }

    /// int8 outside ``BLASThreads/withSingleThread(_:)``: the patches split over the cores, each share run by
    /// ``im2col`` on its own thread with one-threaded GEMMs. (Run whole, its blocks go one after another, each int8
    /// GEMM call waking oneDNN's threads for a few hundred microseconds of work: 74 ms for 10 MSD_musicnn patches
    /// against 30 ms for bf16.) The scale is taken from the whole input first, and integer sums do not depend on how
    /// the rows are split, so the result is the same as one call's.
    static func int8AcrossCores(_ convs: [Conv2D], bns: [BatchNorm?], input x: Tensor, blockBudget: Int,
                                activationScale: Float?, activationZeroPoint: Int8 = 0) -> [Tensor] {
        let n = x.shape[0]
        let threads = BLASThreads.isSingleThreaded ? 1 : Swift.min(n, ProcessInfo.processInfo.activeProcessorCount)
        guard threads > 1 else {
            return im2col(convs, bns: bns, input: x, blockBudget: blockBudget, precision: .int8, activationScale: activationScale,
                          activationZeroPoint: activationZeroPoint)
        }
        let scale = activationScale ?? x.values.withUnsafeBufferPointer { LowPrecision.maxAbs($0.baseAddress!, count: $0.count) / 127 }
        let per = (n + threads - 1) / threads, patch = x.count / n
        let shares = Locked<[Int: [Tensor]]>([:])
        BLASThreads.withSingleThread {
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let a = Swift.min(n, t * per), b = Swift.min(n, (t + 1) * per)
                guard b > a else { return }
                let xs = Tensor(shape: [b - a] + x.shape.dropFirst(), values: Array(x.values[(a * patch)..<(b * patch)]))
                let r = im2col(convs, bns: bns, input: xs, blockBudget: blockBudget, precision: .int8, activationScale: scale,
                               activationZeroPoint: activationScale == nil ? 0 : activationZeroPoint)
                shares.withLock { $0[t] = r }
            }
        }
        let parts = shares.value.sorted { $0.key < $1.key }.map(\.value)
        return convs.indices.map { i in Tensor.concatenate(parts.map { $0[i] }, alongAxis: 0) }
    }

    /// The im2col method: blocks of output rows, one shared im2col matrix, one weight GEMM per convolution.
    static func im2col(_ convs: [Conv2D], bns: [BatchNorm?], input x: Tensor, blockBudget: Int,
                       precision: InferencePrecision, activationScale: Float?, activationZeroPoint: Int8 = 0) -> [Tensor] {
        // int8: s_a as given, or max |x| / 127; the input is quantised once and the im2col built from int8 values
        // (the same A_q as quantising the float im2col, with a quarter of the bytes and one rounding per input value).
        // A zero point z (with a given s_a) quantises asymmetrically: x ≈ s_a · (x_q − z).
        var scale: Float?
        if precision == .int8 {
            var s = activationScale ?? x.values.withUnsafeBufferPointer { LowPrecision.maxAbs($0.baseAddress!, count: $0.count) / 127 }
            if !(s > 0) { s = 1 }
            scale = s
        }
        let cols = SharedWindowColumns(convs, input: x, int8InverseScale: scale.map { 1 / $0 },
                                       int8ZeroPoint: activationScale == nil ? 0 : activationZeroPoint)
        let (n, oh, ow, kWin) = (cols.n, cols.oh, cols.ow, cols.windowLength)
        var outs = convs.map { Tensor(shape: [n, oh, $0.outputChannels]) }
        if n == 0 || oh == 0 || ow == 0 { return outs }
        let maxCo = convs.map(\.outputChannels).max()!
        let rowsPerBlock = cols.rowsPerBlock(budget: blockBudget)
        // One scratch buffer (ScratchPool) holds the im2col block (float, or int8 codes) and the GEMM output block.
        let colCount = rowsPerBlock * ow * kWin, zCount = rowsPerBlock * ow * max(maxCo, 1)
        let colBytes = ((scale == nil ? colCount * MemoryLayout<Float>.stride : colCount) + 63) / 64 * 64
        return ScratchPool.shared.withBytes(colBytes + zCount * MemoryLayout<Float>.stride) { scratch in
            let col = scratch.bindMemory(to: Float.self, capacity: scale == nil ? colCount : 0)
            let colQ = scratch.bindMemory(to: Int8.self, capacity: scale == nil ? 0 : colCount)
            let z = (scratch + colBytes).bindMemory(to: Float.self, capacity: zCount)
            let minRow = UnsafeMutablePointer<Float>.allocate(capacity: max(maxCo, 1))
            defer { minRow.deallocate() }
            let rowLen = cols.kw * cols.ci

            let scales = bns.enumerated().map { i, bn in bn?.scale ?? [Float](repeating: 1, count: convs[i].outputChannels) }
            let shifts = bns.enumerated().map { i, bn in bn?.shift ?? [Float](repeating: 0, count: convs[i].outputChannels) }
            x.values.withUnsafeBufferPointer { xb in
                var first = 0
                while first < n * oh {
                    let rows = min(rowsPerBlock, n * oh - first)
                    let m = rows * ow
                    if scale == nil { cols.fill(col, x: xb.baseAddress!, first: first, rows: rows) } else { cols.fill(colQ, first: first, rows: rows) }
                    for (i, conv) in convs.enumerated() {
                        let co = conv.outputChannels
                        if co == 0 { continue }
                        let k = conv.kernelHeight * rowLen
                        let offset = cols.columnOffset(i)
                        if let scale {
                            WeightGEMM.runInt8(m: m, k: k, quantized: colQ + offset, lda: kWin, weights: conv.weights, c: z, ldc: co,
                                               activationScale: scale, zeroPoint: activationScale == nil ? 0 : Int32(activationZeroPoint))
                        } else {
                            WeightGEMM.run(m: m, k: k, a: col + offset, lda: kWin, weights: conv.weights, c: z, ldc: co,
                                           precision: precision)
                        }
                        let relu = conv.activation == .relu
                        let anyNegative = scales[i].contains { $0 < 0 }
                        outs[i].values.withUnsafeMutableBufferPointer { ob in
                            conv.bias.withUnsafeBufferPointer { bias in
                                scales[i].withUnsafeBufferPointer { s in
                                    shifts[i].withUnsafeBufferPointer { t in
                                        for r in 0..<rows {
                                            let dst = ob.baseAddress! + (first + r) * co
                                            let base = z + r * ow * co
                                            if anyNegative {
                                                // max and min over the width in one contiguous pass; min where the
                                                // batch norm's scale is negative.
                                                minRow.update(from: base, count: co)
                                                dst.update(from: base, count: co)
                                                for q in 1..<max(ow, 1) {
                                                    let src = base + q * co
                                                    for c in 0..<co {
                                                        let v = src[c]
                                                        dst[c] = v >= dst[c] ? v : dst[c]
                                                        minRow[c] = v < minRow[c] ? v : minRow[c]
                                                    }
                                                }
                                                for c in 0..<co where s[c] < 0 { dst[c] = minRow[c] }
                                            } else {
                                                dst.update(from: base, count: co)
                                                for q in 1..<max(ow, 1) {
                                                    let src = base + q * co
                                                    for c in 0..<co { dst[c] = max(dst[c], src[c]) }
                                                }
                                            }
                                            finishRow(dst, co: co, relu: relu, bias: bias.baseAddress!,
                                                      scale: s.baseAddress!, shift: t.baseAddress!)
                                        }
                                    }
                                }
                            }
                        }
                    }
                    first += rows
                }
            }
            return outs
        }
    }
}
