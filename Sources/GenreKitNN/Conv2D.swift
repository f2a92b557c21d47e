import Foundation

/// 2-D convolution (cross-correlation, as in TensorFlow) on NHWC tensors with an optional fused
/// activation and batch norm.
///
/// For input `x[n, h, w, ci]`, kernel `W[i, j, ci, co]` (TensorFlow's HWIO layout), bias `b`:
///
///     z[n, oh, ow, co] = b[co] + Σ_{i, j, ci} x[n, oh·sh + i − pt, ow·sw + j − pl, ci] · W[i, j, ci, co]
///     y = bn(act(z))          (either stage optional)
///
/// with zero padding outside the input (`pt`, `pl` from `Padding.output`).
///
/// Implementation: im2col + `cblas_sgemm`. Output positions `(n, oh, ow)` of the whole batch are
/// flattened into `M` rows; rows are processed in blocks whose im2col matrix (`rows × K`,
/// `K = kh·kw·ci`) plus output (`rows × co`) stay below `im2colBudget` floats, each block being one GEMM
/// `[rows × K] · [K × co]` written straight into the NHWC output. A 1×1 stride-1 convolution
/// skips im2col. Each block's GEMM goes through ``WeightGEMM`` in the precision asked for (fp32: OpenBLAS or oneDNN,
/// as ``GEMMPlan`` measured; bf16/int8: oneDNN).
public struct Conv2D: Sendable, Equatable {
    /// `[kh, kw, cin, cout]`.
    public let kernel: Tensor
    /// `[cout]`.
    public let bias: [Float]
    public let strideH: Int
    public let strideW: Int
    public let padding: Padding
    public let activation: Activation
    /// The kernel as a `[kh·kw·cin, cout]` GEMM operand, with its bf16/int8 forms made on first use.
    public let weights: GEMMWeights

    /// Upper bound (floats) of the im2col scratch block plus its output block.
    public static let im2colBudget = 1 << 18

    public var kernelHeight: Int { kernel.shape[0] }
    public var kernelWidth: Int { kernel.shape[1] }
    public var inputChannels: Int { kernel.shape[2] }
    public var outputChannels: Int { kernel.shape[3] }

    public init(kernel: Tensor, bias: [Float]? = nil, strides: (Int, Int) = (1, 1),
                padding: Padding = .valid, activation: Activation = .identity) {
        precondition(kernel.rank == 4, "Conv2D: kernel must be [kh, kw, cin, cout], got \(kernel.shape)")
        precondition(strides.0 >= 1 && strides.1 >= 1, "Conv2D: strides \(strides)")
        let cout = kernel.shape[3]
        let b = bias ?? [Float](repeating: 0, count: cout)
        precondition(b.count == cout, "Conv2D: bias \(b.count) vs \(cout) output channels")
        self.kernel = kernel
        self.bias = b
        self.strideH = strides.0
        self.strideW = strides.1
        self.padding = padding
        self.activation = activation
        weights = GEMMWeights(values: kernel.values, k: kernel.shape[0] * kernel.shape[1] * kernel.shape[2], n: cout)
    }

    public static func == (a: Conv2D, b: Conv2D) -> Bool {
        a.kernel == b.kernel && a.bias == b.bias && a.strideH == b.strideH && a.strideW == b.strideW
            && a.padding == b.padding && a.activation == b.activation
    }

    /// Keeps only output channels `indices` (in that order).
    public func selectingOutputChannels(_ indices: [Int]) -> Conv2D {
        let k = kernelHeight * kernelWidth * inputChannels, co = outputChannels
        var w = [Float](repeating: 0, count: k * indices.count)
        for r in 0..<k {
            for (d, s) in indices.enumerated() { w[r * indices.count + d] = kernel.values[r * co + s] }
        }
        return Conv2D(kernel: Tensor(shape: [kernelHeight, kernelWidth, inputChannels, indices.count], values: w),
                      bias: indices.map { bias[$0] }, strides: (strideH, strideW),
                      padding: padding, activation: activation)
    }

    /// `[n, oh, ow, cout]` for an `[n, h, w, cin]` input.
    public func outputShape(for inputShape: [Int]) -> [Int] {
        precondition(inputShape.count == 4, "Conv2D: input must be NHWC, got \(inputShape)")
        let oh = padding.output(inputSize: inputShape[1], kernel: kernelHeight, stride: strideH).size
        let ow = padding.output(inputSize: inputShape[2], kernel: kernelWidth, stride: strideW).size
        return [inputShape[0], oh, ow, outputChannels]
    }

    /// `bn(act(conv(x) + b))`, the GEMMs in `precision` (int8: activations scaled by `activationScale`, or by
    /// `max |x| / 127` of this input when `nil`).
    public func callAsFunction(_ input: Tensor, followedBy bn: BatchNorm? = nil,
                               precision: InferencePrecision = .fp32, activationScale: Float? = nil) -> Tensor {
        precondition(input.rank == 4 && input.shape[3] == inputChannels,
                     "Conv2D: input \(input.shape) vs kernel \(kernel.shape)")
        if let bn { precondition(bn.channels == outputChannels, "Conv2D: bn \(bn.channels) vs \(outputChannels)") }
        let outShape = outputShape(for: input.shape)
        return Tensor(shape: outShape) { out in
            input.values.withUnsafeBufferPointer { x in
                let scale = precision == .int8
                    ? (activationScale ?? LowPrecision.maxAbs(x.baseAddress!, count: x.count) / 127) : nil
                forward(x.baseAddress!, inputShape: input.shape, into: out.baseAddress!, bn: bn,
                        precision: precision, activationScale: scale)
            }
        }
    }

    /// Core routine: writes `[n, oh, ow, cout]` contiguously at `out`.
    public func forward(_ x: UnsafePointer<Float>, inputShape: [Int],
                        into out: UnsafeMutablePointer<Float>, bn: BatchNorm? = nil,
                        precision: InferencePrecision = .fp32, activationScale: Float? = nil) {
        let (n, h, w, ci) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let kh = kernelHeight, kw = kernelWidth, co = outputChannels
        let (oh, pt) = padding.output(inputSize: h, kernel: kh, stride: strideH)
        let (ow, pl) = padding.output(inputSize: w, kernel: kw, stride: strideW)
        let m = n * oh * ow
        let k = kh * kw * ci
        if m == 0 || co == 0 { return }
        if k == 0 {
            ChannelEpilogue.apply(out, rows: m, channels: co, bias: bias, activation: activation, bn: bn, zeroInput: true)
            return
        }
        let geometry = (n: n, h: h, w: w, ci: ci, oh: oh, ow: ow, pt: pt, pl: pl)
        if precision == .int8, var sa = activationScale {
            // The input quantised once, the im2col built from its int8 values (the same A_q as quantising the
            // float im2col, with one rounding per input value instead of one per window it falls in).
            if !(sa > 0) { sa = 1 }
            let count = n * h * w * ci
            let xq = UnsafeMutablePointer<Int8>.allocate(capacity: count)
            defer { xq.deallocate() }
            LowPrecision.toInt8(x, xq, count: count, inverseScale: 1 / sa)
            blocks(UnsafePointer(xq), geometry, into: out, bn: bn) { a, rows, c in
                WeightGEMM.runInt8(m: rows, k: k, quantized: a, lda: k, weights: weights, c: c, ldc: co, activationScale: sa)
            }
        } else {
            blocks(x, geometry, into: out, bn: bn) { a, rows, c in
                WeightGEMM.run(m: rows, k: k, a: a, lda: k, weights: weights, c: c, ldc: co,
                               precision: precision, activationScale: activationScale)
            }
        }
    }

    /// The GEMM of the whole output, `gemm(A, rows, C)` over the im2col matrix `A` (`rows × kh·kw·c_in`, elements of
    /// the input's type), then the epilogue: a 1×1 stride-1 unpadded kernel reads `x` itself as `A`; otherwise in
    /// blocks of output rows whose im2col and output stay cache-sized (the epilogue then runs on data the GEMM just
    /// wrote).
    private func blocks<T: BitwiseCopyable & AdditiveArithmetic>(
        _ x: UnsafePointer<T>, _ g: (n: Int, h: Int, w: Int, ci: Int, oh: Int, ow: Int, pt: Int, pl: Int),
        into out: UnsafeMutablePointer<Float>, bn: BatchNorm?,
        gemm: (UnsafePointer<T>, Int, UnsafeMutablePointer<Float>) -> Void) {
        let m = g.n * g.oh * g.ow, k = kernelHeight * kernelWidth * g.ci, co = outputChannels
        if kernelHeight == 1 && kernelWidth == 1 && strideH == 1 && strideW == 1 && g.pt == 0 && g.pl == 0 {
            gemm(x, m, out)
            epilogue(out, rows: m, bn: bn)
            return
        }
        let rowsPerBlock = Swift.max(1, Swift.min(m, Conv2D.im2colBudget / Swift.max(k + co, 1)))
        let col = UnsafeMutablePointer<T>.allocate(capacity: rowsPerBlock * k)
        defer { col.deallocate() }
        var start = 0
        while start < m {
            let rows = Swift.min(rowsPerBlock, m - start)
            Im2Col.fill(col, x: x, h: g.h, w: g.w, c: g.ci, kh: kernelHeight, kw: kernelWidth, sh: strideH, sw: strideW,
                        pt: g.pt, pl: g.pl, oh: g.oh, ow: g.ow, firstRow: start, rows: rows)
            let dst = out + start * co
            gemm(col, rows, dst)
            epilogue(dst, rows: rows, bn: bn)
            start += rows
        }
    }

    /// `y = bn(act(z + b))` over `rows × cout` values.
    @inline(__always)
    func epilogue(_ z: UnsafeMutablePointer<Float>, rows: Int, bn: BatchNorm?) {
        ChannelEpilogue.apply(z, rows: rows, channels: outputChannels, bias: bias,
                              activation: activation, bn: bn)
    }
}

/// The per-channel tail shared by convolution and dense layers: `y = bn(act(z + b))`.
public enum ChannelEpilogue {
    /// Applies `y[r, c] = bn_c(act(z[r, c] + bias[c]))` in place on a row-major `rows × channels` block.
    /// With `zeroInput`, `z` is treated as all zeros (an empty reduction) and overwritten.
    public static func apply(_ z: UnsafeMutablePointer<Float>, rows: Int, channels co: Int, bias: [Float],
                             activation: Activation, bn: BatchNorm?, zeroInput: Bool = false) {
        if zeroInput { z.update(repeating: 0, count: rows * co) }
        let sc = bn?.scale ?? [Float](repeating: 1, count: co)
        let sh = bn?.shift ?? [Float](repeating: 0, count: co)
        bias.withUnsafeBufferPointer { b in
            sc.withUnsafeBufferPointer { s in
                sh.withUnsafeBufferPointer { t in
                    switch activation {
                    case .identity:
                        for r in 0..<rows {
                            let row = z + r * co
                            for c in 0..<co { row[c] = (row[c] + b[c]) * s[c] + t[c] }
                        }
                    case .relu:
                        for r in 0..<rows {
                            let row = z + r * co
                            for c in 0..<co { row[c] = Swift.max(row[c] + b[c], 0) * s[c] + t[c] }
                        }
                    case .sigmoid:
                        for r in 0..<rows {
                            let row = z + r * co
                            for c in 0..<co { row[c] = Activation.sigmoid(row[c] + b[c]) * s[c] + t[c] }
                        }
                    }
                }
            }
        }
    }
}

/// im2col: unfolds convolution patches into matrix rows.
public enum Im2Col {
    /// Writes rows `firstRow ..< firstRow + rows` of the im2col matrix of an NHWC input
    /// `[·, h, w, c]` into `col` (row stride `kh·kw·c`). Row `m = (n·oh + y)·ow + x` holds the
    /// patch `x[n, y·sh − pt + i, x·sw − pl + j, :]` for `i < kh`, `j < kw` (row-major in
    /// `i, j, c`), `padding` (zero unless given) where the patch leaves the input. Elements of any type
    /// (float32 activations; int8 ones already quantised, so that each input value is quantised once, with `padding`
    /// the code of 0 when they carry a zero point).
    public static func fill<T: BitwiseCopyable & AdditiveArithmetic>(
        _ col: UnsafeMutablePointer<T>, x: UnsafePointer<T>, h: Int, w: Int, c: Int, kh: Int, kw: Int, sh: Int, sw: Int,
        pt: Int, pl: Int, oh: Int, ow: Int, firstRow: Int, rows: Int, padding: T = .zero) {
        let k = kh * kw * c
        let rowLen = kw * c
        let perImage = oh * ow
        var n = firstRow / perImage
        var y = (firstRow % perImage) / ow
        var xo = firstRow % ow
        for r in 0..<rows {
            let dst = col + r * k
            let img = x + n * h * w * c
            let iw0 = xo * sw - pl
            let fullRow = iw0 >= 0 && iw0 + kw <= w
            for i in 0..<kh {
                let ih = y * sh - pt + i
                let d = dst + i * rowLen
                if ih < 0 || ih >= h {
                    d.update(repeating: padding, count: rowLen)
                } else if fullRow {
                    d.update(from: img + (ih * w + iw0) * c, count: rowLen)
                } else {
                    for j in 0..<kw {
                        let iw = iw0 + j
                        if iw < 0 || iw >= w {
                            (d + j * c).update(repeating: padding, count: c)
                        } else {
                            (d + j * c).update(from: img + (ih * w + iw) * c, count: c)
                        }
                    }
                }
            }
            xo += 1
            if xo == ow { xo = 0; y += 1; if y == oh { y = 0; n += 1 } }
        }
    }
}
