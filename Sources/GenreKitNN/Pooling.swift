/// Max pooling and reductions.
extension Tensor {
    /// 2-D max pooling over an NHWC tensor with 'valid' windows (TensorFlow `max_pooling2d`,
    /// `padding='valid'`):
    ///
    ///     y[n, a, b, c] = max_{i < ph, j < pw} x[n, a·sh + i, b·sw + j, c]
    ///
    /// with `a < ⌊(h − ph) / sh⌋ + 1`, `b < ⌊(w − pw) / sw⌋ + 1`.
    public func maxPool2D(pool: (Int, Int), strides: (Int, Int)) -> Tensor {
        precondition(rank == 4, "maxPool2D: input must be NHWC, got \(shape)")
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let (ph, pw) = pool, (sh, sw) = strides
        let oh = Padding.valid.output(inputSize: h, kernel: ph, stride: sh).size
        let ow = Padding.valid.output(inputSize: w, kernel: pw, stride: sw).size
        return Tensor(shape: [n, oh, ow, c]) { out in
            values.withUnsafeBufferPointer { x in
                var o = 0
                for b in 0..<n {
                    for a in 0..<oh {
                        for q in 0..<ow {
                            let dst = out.baseAddress! + o
                            let first = ((b * h + a * sh) * w + q * sw) * c
                            for ch in 0..<c { dst[ch] = x[first + ch] }
                            for i in 0..<ph {
                                for j in 0..<pw where i != 0 || j != 0 {
                                    let src = ((b * h + a * sh + i) * w + q * sw + j) * c
                                    for ch in 0..<c { dst[ch] = Swift.max(dst[ch], x[src + ch]) }
                                }
                            }
                            o += c
                        }
                    }
                }
            }
        }
    }

    /// Splits the shape around `axis` into `(outer, length, inner)` element counts.
    func axisSplit(_ axis: Int) -> (outer: Int, length: Int, inner: Int) {
        precondition(axis >= 0 && axis < rank, "axis \(axis) out of range for \(shape)")
        return (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// `y[…, …] = max_k x[…, k, …]` over `axis` (removed from the shape). The axis must be non-empty.
    public func max(alongAxis axis: Int) -> Tensor { reduce(alongAxis: axis, kind: 0) }

    /// `y[…, …] = min_k x[…, k, …]` over `axis` (removed from the shape).
    public func min(alongAxis axis: Int) -> Tensor { reduce(alongAxis: axis, kind: 1) }

    /// `y[…, …] = (Σ_k x[…, k, …]) / L` over `axis` of length `L` (removed from the shape);
    /// the sum is accumulated in float32 in index order, then divided by `L`.
    public func mean(alongAxis axis: Int) -> Tensor { reduce(alongAxis: axis, kind: 2) }

    private func reduce(alongAxis axis: Int, kind: Int) -> Tensor {
        let (outer, len, inner) = axisSplit(axis)
        precondition(len > 0, "reduction over an empty axis of \(shape)")
        var s = shape
        s.remove(at: axis)
        return Tensor(shape: s) { out in
            values.withUnsafeBufferPointer { x in
                for o in 0..<outer {
                    let dst = out.baseAddress! + o * inner
                    let base = o * len * inner
                    for i in 0..<inner { dst[i] = x[base + i] }
                    for k in 1..<Swift.max(len, 1) {
                        let src = base + k * inner
                        switch kind {
                        case 0: for i in 0..<inner { dst[i] = Swift.max(dst[i], x[src + i]) }
                        case 1: for i in 0..<inner { dst[i] = Swift.min(dst[i], x[src + i]) }
                        default: for i in 0..<inner { dst[i] += x[src + i] }
                        }
                    }
                    if kind == 2 {
                        let l = Float(len)
                        for i in 0..<inner { dst[i] /= l }
                    }
                }
            }
        }
    }
}
