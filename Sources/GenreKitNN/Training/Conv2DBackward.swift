/// Gradients of a convolution's linear part `z = conv(x, W) + b` (see `Conv2D`).
public struct Conv2DGradients: Sendable, Equatable {
    /// `∂L/∂x`, shape of the input `[n, h, w, cin]`.
    public var input: Tensor
    /// `∂L/∂W`, `[kh, kw, cin, cout]`.
    public var kernel: Tensor
    /// `∂L/∂b`, `[cout]`.
    public var bias: [Float]
}

/// Backward pass of the convolution's linear part (the fused activation and batch norm of a
/// `Conv2D` are separate steps: see `Activation.backward` and `BatchNormBackward`).
///
/// With `G = ∂L/∂z` viewed as an `M × cout` matrix (`M = n·oh·ow`), `X` the `M × K` im2col matrix
/// of the input (`K = kh·kw·cin`) and `W` the `K × cout` kernel matrix (`z = X·W + b`):
///
///     ∂L/∂W = Xᵀ · G            ∂L/∂b[co] = Σ_m G[m, co]
///     ∂L/∂X = G · Wᵀ,           ∂L/∂x = col2im(∂L/∂X)   (overlapping patches add up)
///
/// Both products are `cblas_sgemm` calls over row blocks of the batch, like the forward pass;
/// a 1×1 stride-1 convolution skips im2col/col2im. Any kernel shape, strides and padding. In `precision` bf16 the
/// products round their operands to bfloat16 and sum in float32 (``BFloat16GEMM``; the kernel is rounded once);
/// col2im and the bias sum stay float32.
public struct Conv2DBackward: Sendable, Equatable {
    /// `[kh, kw, cin, cout]`.
    public let kernel: Tensor
    public let strideH: Int
    public let strideW: Int
    public let padding: Padding

    public init(kernel: Tensor, strides: (Int, Int) = (1, 1), padding: Padding = .valid) {
        precondition(kernel.rank == 4, "Conv2DBackward: kernel must be [kh, kw, cin, cout], got \(kernel.shape)")
        precondition(strides.0 >= 1 && strides.1 >= 1, "Conv2DBackward: strides \(strides)")
        self.kernel = kernel
        self.strideH = strides.0
        self.strideW = strides.1
        self.padding = padding
    }

    /// The backward pass of `conv`'s linear part (its activation is not included).
    public init(_ conv: Conv2D) {
        self.init(kernel: conv.kernel, strides: (conv.strideH, conv.strideW), padding: conv.padding)
    }

    /// Gradients for forward input `x` `[n, h, w, cin]` and upstream `dz = ∂L/∂z` `[n, oh, ow, cout]`.
    public func callAsFunction(input x: Tensor, outputGradient dz: Tensor, precision: InferencePrecision = .fp32) -> Conv2DGradients {
        precondition(x.rank == 4 && x.shape[3] == kernel.shape[2],
                     "Conv2DBackward: input \(x.shape) vs kernel \(kernel.shape)")
        let (n, h, w, ci) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw, co) = (kernel.shape[0], kernel.shape[1], kernel.shape[3])
        let (oh, pt) = padding.output(inputSize: h, kernel: kh, stride: strideH)
        let (ow, pl) = padding.output(inputSize: w, kernel: kw, stride: strideW)
        precondition(dz.shape == [n, oh, ow, co], "Conv2DBackward: gradient \(dz.shape), expected \([n, oh, ow, co])")
        let m = n * oh * ow, k = kh * kw * ci
        var dx = [Float](repeating: 0, count: x.count)
        var dw = [Float](repeating: 0, count: k * co)
        var db = [Float](repeating: 0, count: co)
        dz.values.withUnsafeBufferPointer { g in
            for r in 0..<m { for c in 0..<co { db[c] += g[r * co + c] } }
        }
        if m > 0 && k > 0 && co > 0 {
            x.values.withUnsafeBufferPointer { xb in
            dz.values.withUnsafeBufferPointer { gb in
            kernel.values.withUnsafeBufferPointer { wb in
            dx.withUnsafeMutableBufferPointer { dxb in
            dw.withUnsafeMutableBufferPointer { dwb in
                let xp = xb.baseAddress!, gp = gb.baseAddress!, wp = wb.baseAddress!
                let dxp = dxb.baseAddress!, dwp = dwb.baseAddress!
                if kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && pt == 0 && pl == 0 {
                    TrainingGEMM.gemm(m: k, n: co, k: m, a: xp, lda: k, transposeA: true, b: gp, ldb: co, c: dwp, ldc: co, precision: precision)
                    TrainingGEMM.gemm(m: m, n: k, k: co, a: gp, lda: co, b: wp, ldb: co, transposeB: true, c: dxp, ldc: k, precision: precision)
                    return
                }
                if precision == .bf16 {
                    bf16Blocks(x: xp, g: gp, w: wp, dx: dxp, dw: dwp, shape: (n, h, w, ci), out: (oh, ow, pt, pl))
                    return
                }
                let rowsPerBlock = Swift.max(1, Swift.min(m, Conv2D.im2colBudget / Swift.max(2 * k + co, 1)))
                let col = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * k)
                let dcol = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * k)
                defer { col.deallocate(); dcol.deallocate() }
                var start = 0
                while start < m {
                    let rows = Swift.min(rowsPerBlock, m - start)
                    Im2Col.fill(col, x: xp, h: h, w: w, c: ci, kh: kh, kw: kw, sh: strideH, sw: strideW,
                                pt: pt, pl: pl, oh: oh, ow: ow, firstRow: start, rows: rows)
                    let g = gp + start * co
                    GEMM.sgemm(m: k, n: co, k: rows, a: col, lda: k, transposeA: true, b: g, ldb: co,
                               c: dwp, ldc: co, beta: start == 0 ? 0 : 1)
                    GEMM.sgemm(m: rows, n: k, k: co, a: g, lda: co, b: wp, ldb: co, transposeB: true,
                               c: dcol, ldc: k)
                    Col2Im.accumulate(dcol, into: dxp, h: h, w: w, c: ci, kh: kh, kw: kw, sh: strideH, sw: strideW,
                                      pt: pt, pl: pl, oh: oh, ow: ow, firstRow: start, rows: rows)
                    start += rows
                }
            }}}}}
        }
        return Conv2DGradients(input: Tensor(shape: x.shape, values: dx),
                               kernel: Tensor(shape: kernel.shape, values: dw), bias: db)
    }

    /// The blocked loop of ``callAsFunction(input:outputGradient:precision:)`` in bf16: the kernel rounded once, each
    /// block's im2col and upstream gradient rounded, `∂W` accumulated by oneDNN (float32 sums).
    private func bf16Blocks(x: UnsafePointer<Float>, g gp: UnsafePointer<Float>, w wp: UnsafePointer<Float>,
                            dx: UnsafeMutablePointer<Float>, dw: UnsafeMutablePointer<Float>,
                            shape: (n: Int, h: Int, w: Int, ci: Int), out: (oh: Int, ow: Int, pt: Int, pl: Int)) {
        let (kh, kw, co) = (kernel.shape[0], kernel.shape[1], kernel.shape[3])
        let (h, w, ci) = (shape.h, shape.w, shape.ci)
        let m = shape.n * out.oh * out.ow, k = kh * kw * ci
        // Blocks 8× the float32 path's: oneDNN's bf16 kernels need a deeper `∂W` product to pay for the sum post-op.
        let rowsPerBlock = Swift.max(1, Swift.min(m, 8 * Conv2D.im2colBudget / Swift.max(2 * k + co, 1)))
        let col = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * k)
        let dcol = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * k)
        let colq = UnsafeMutablePointer<UInt16>.allocate(capacity: rowsPerBlock * k)
        let gq = UnsafeMutablePointer<UInt16>.allocate(capacity: rowsPerBlock * co)
        let wq = UnsafeMutablePointer<UInt16>.allocate(capacity: k * co)
        defer { col.deallocate(); dcol.deallocate(); colq.deallocate(); gq.deallocate(); wq.deallocate() }
        BFloat16GEMM.round(wp, rows: k, cols: co, ld: co, into: wq)
        var start = 0
        while start < m {
            let rows = Swift.min(rowsPerBlock, m - start)
            Im2Col.fill(col, x: x, h: h, w: w, c: ci, kh: kh, kw: kw, sh: strideH, sw: strideW,
                        pt: out.pt, pl: out.pl, oh: out.oh, ow: out.ow, firstRow: start, rows: rows)
            let g = gp + start * co
            BFloat16GEMM.round(col, rows: rows, cols: k, ld: k, into: colq)
            BFloat16GEMM.round(g, rows: rows, cols: co, ld: co, into: gq)
            // Each product falls back to float32 on its own when oneDNN cannot run it.
            do {
                try BFloat16GEMM.run(m: k, n: co, k: rows, a: colq, transposeA: true, b: gq, c: dw, ldc: co, accumulate: start != 0)
            } catch {
                GEMM.sgemm(m: k, n: co, k: rows, a: col, lda: k, transposeA: true, b: g, ldb: co, c: dw, ldc: co, beta: start == 0 ? 0 : 1)
            }
            do {
                try BFloat16GEMM.run(m: rows, n: k, k: co, a: gq, b: wq, transposeB: true, c: dcol, ldc: k)
            } catch {
                GEMM.sgemm(m: rows, n: k, k: co, a: g, lda: co, b: wp, ldb: co, transposeB: true, c: dcol, ldc: k)
            }
            Col2Im.accumulate(dcol, into: dx, h: h, w: w, c: ci, kh: kh, kw: kw, sh: strideH, sw: strideW,
                              pt: out.pt, pl: out.pl, oh: out.oh, ow: out.ow, firstRow: start, rows: rows)
            start += rows
        }
    }
}
