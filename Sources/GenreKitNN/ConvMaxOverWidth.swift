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
    /// The GEMMs run in `precision` (``WeightGEMM``); int8 scales activations by `activationScale`, or by
    /// `max |x| / 127` of this input when `nil`.
    public static func forward(_ convs: [Conv2D], bns: [BatchNorm?], input x: Tensor,
                               blockBudget: Int = ConvMaxOverWidth.blockBudget,
                               precision: InferencePrecision = .fp32, activationScale: Float? = nil) -> [Tensor] {
        precondition(!convs.isEmpty && bns.count == convs.count, "ConvMaxOverWidth: \(convs.count) convs, \(bns.count) bns")
        for (c, bn) in zip(convs, bns) {
            precondition(c.activation == .relu || c.activation == .identity, "ConvMaxOverWidth: activation must be monotone")
            if let bn { precondition(bn.channels == c.outputChannels, "ConvMaxOverWidth: bn channels") }
        }
        let cols = SharedWindowColumns(convs, input: x)
        let (n, oh, ow, kWin) = (cols.n, cols.oh, cols.ow, cols.windowLength)
        var outs = convs.map { Tensor(shape: [n, oh, $0.outputChannels]) }
        if n == 0 || oh == 0 || ow == 0 { return outs }
        let maxCo = convs.map(\.outputChannels).max()!
        let rowsPerBlock = cols.rowsPerBlock(budget: blockBudget)
        let col = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * ow * kWin)
        let z = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * ow * max(maxCo, 1))
        defer { col.deallocate(); z.deallocate() }
        let rowLen = cols.kw * cols.ci

        let scales = bns.enumerated().map { i, bn in bn?.scale ?? [Float](repeating: 1, count: convs[i].outputChannels) }
        let shifts = bns.enumerated().map { i, bn in bn?.shift ?? [Float](repeating: 0, count: convs[i].outputChannels) }
        x.values.withUnsafeBufferPointer { xb in
            let scale = precision == .int8
                ? (activationScale ?? LowPrecision.maxAbs(xb.baseAddress!, count: xb.count) / 127) : nil
            var first = 0
            while first < n * oh {
                let rows = min(rowsPerBlock, n * oh - first)
                let m = rows * ow
                cols.fill(col, x: xb.baseAddress!, first: first, rows: rows)
                for (i, conv) in convs.enumerated() {
                    let co = conv.outputChannels
                    if co == 0 { continue }
                    let k = conv.kernelHeight * rowLen
                    let offset = cols.columnOffset(i)
                    WeightGEMM.run(m: m, k: k, a: col + offset, lda: kWin, weights: conv.weights, c: z, ldc: co,
                                   precision: precision, activationScale: scale)
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
