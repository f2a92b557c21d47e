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
    public static func forward(_ convs: [Conv2D], bns: [BatchNorm?], input x: Tensor,
                               blockBudget: Int = ConvMaxOverWidth.blockBudget) -> [Tensor] {
        precondition(!convs.isEmpty && bns.count == convs.count, "ConvMaxOverWidth: \(convs.count) convs, \(bns.count) bns")
        precondition(x.rank == 4, "ConvMaxOverWidth: input must be NHWC, got \(x.shape)")
        let (n, h, w, ci) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let kw = convs[0].kernelWidth, sh = convs[0].strideH, sw = convs[0].strideW
        let (oh, _) = convs[0].padding.output(inputSize: h, kernel: convs[0].kernelHeight, stride: sh)
        let (ow, pl) = convs[0].padding.output(inputSize: w, kernel: kw, stride: sw)
        var windowStart = Int.max, windowEnd = Int.min          // kernel rows relative to oh·sh
        var tops: [Int] = []
        for (c, bn) in zip(convs, bns) {
            precondition(c.activation == .relu || c.activation == .identity, "ConvMaxOverWidth: activation must be monotone")
            precondition(c.kernelWidth == kw && c.inputChannels == ci && c.strideH == sh && c.strideW == sw,
                         "ConvMaxOverWidth: convs must share kernel width, input channels and strides")
            let (o, pt) = c.padding.output(inputSize: h, kernel: c.kernelHeight, stride: sh)
            let (o2, pl2) = c.padding.output(inputSize: w, kernel: kw, stride: sw)
            precondition(o == oh && o2 == ow && pl2 == pl, "ConvMaxOverWidth: output sizes differ")
            if let bn { precondition(bn.channels == c.outputChannels, "ConvMaxOverWidth: bn channels") }
            tops.append(-pt)
            windowStart = min(windowStart, -pt)
            windowEnd = max(windowEnd, c.kernelHeight - pt)
        }
        let khw = windowEnd - windowStart
        let rowLen = kw * ci
        let kWin = khw * rowLen
        var outs = convs.map { Tensor(shape: [n, oh, $0.outputChannels]) }
        if n == 0 || oh == 0 || ow == 0 { return outs }
        let maxCo = convs.map(\.outputChannels).max()!
        let rowsPerBlock = max(1, min(n * oh, blockBudget / max(ow * kWin, 1)))
        let col = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * ow * kWin)
        let z = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * ow * max(maxCo, 1))
        defer { col.deallocate(); z.deallocate() }
        // Column kernels on one channel: im2col rows are contiguous in a time-transposed copy.
        let columnKernel = rowLen == 1
        let padTop = -windowStart, padBottom = max(0, (oh - 1) * sh + windowEnd - h)
        let hp = h + padTop + padBottom
        var transposed: UnsafeMutablePointer<Float>? = nil
        if columnKernel {
            transposed = UnsafeMutablePointer<Float>.allocate(capacity: n * w * hp)
            transposed!.initialize(repeating: 0, count: n * w * hp)
            x.values.withUnsafeBufferPointer { src in
                for b in 0..<n { for t in 0..<h { for f in 0..<w {
                    transposed![(b * w + f) * hp + padTop + t] = src[(b * h + t) * w + f]
                } } }
            }
        }
        defer { transposed?.deallocate() }

        let scales = bns.enumerated().map { i, bn in bn?.scale ?? [Float](repeating: 1, count: convs[i].outputChannels) }
        let shifts = bns.enumerated().map { i, bn in bn?.shift ?? [Float](repeating: 0, count: convs[i].outputChannels) }
        x.values.withUnsafeBufferPointer { xb in
            var first = 0
            while first < n * oh {
                let rows = min(rowsPerBlock, n * oh - first)
                let m = rows * ow
                if let tp = transposed {
                    for r in 0..<rows {
                        let b = (first + r) / oh, y = (first + r) % oh
                        for q in 0..<ow {
                            (col + (r * ow + q) * kWin).update(from: tp + (b * w + q * sw - pl) * hp + y * sh, count: kWin)
                        }
                    }
                } else {
                    Im2Col.fill(col, x: xb.baseAddress!, h: h, w: w, c: ci, kh: khw, kw: kw, sh: sh, sw: sw,
                                pt: -windowStart, pl: pl, oh: oh, ow: ow, firstRow: first * ow, rows: m)
                }
                for (i, conv) in convs.enumerated() {
                    let co = conv.outputChannels
                    if co == 0 { continue }
                    let k = conv.kernelHeight * rowLen
                    let offset = (tops[i] - windowStart) * rowLen
                    conv.kernel.values.withUnsafeBufferPointer { wk in
                        GEMM.sgemm(m: m, n: co, k: k, a: col + offset, lda: kWin, b: wk.baseAddress!, ldb: co, c: z, ldc: co)
                    }
                    let relu = conv.activation == .relu
                    outs[i].values.withUnsafeMutableBufferPointer { ob in
                        conv.bias.withUnsafeBufferPointer { bias in
                            scales[i].withUnsafeBufferPointer { s in
                                shifts[i].withUnsafeBufferPointer { t in
                                    for r in 0..<rows {
                                        let dst = ob.baseAddress! + (first + r) * co
                                        let base = z + r * ow * co
                                        for c in 0..<co { dst[c] = base[c] }
                                        // dst holds the max; a second pass finds the min only if needed.
                                        for q in 1..<max(ow, 1) {
                                            let src = base + q * co
                                            for c in 0..<co { dst[c] = max(dst[c], src[c]) }
                                        }
                                        for c in 0..<co where s[c] < 0 {
                                            var mn = base[c]
                                            for q in 1..<max(ow, 1) { mn = min(mn, base[q * co + c]) }
                                            dst[c] = mn
                                        }
                                        for c in 0..<co {
                                            var v = dst[c] + bias[c]
                                            if relu { v = max(v, 0) }
                                            dst[c] = v * s[c] + t[c]
                                        }
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
