/// The im2col geometry shared by several convolutions over one NHWC input whose kernel windows nest (same
/// kernel width, input channels, strides and output size; e.g. musicnn's 'same' 128×1, 64×1 and 32×1 temporal
/// filters): one im2col matrix over the union window, each convolution reading its sub-window through a column
/// offset (``columnOffset(_:)``) with leading dimension ``windowLength``.
///
/// Rows of the matrix are output positions `(n, oh, ow)`; blocks are whole output rows `(n, oh)`. Column
/// kernels on one channel (`k_w·c_in = 1`) are filled from a time-transposed, zero-padded copy of the input,
/// where every im2col row is one contiguous run.
public final class SharedWindowColumns {
    public let n: Int, h: Int, w: Int, ci: Int
    public let kw: Int, sh: Int, sw: Int
    public let oh: Int, ow: Int, pl: Int
    /// First kernel row of the union window relative to `oh·sh` (≤ 0 for top padding).
    let windowStart: Int
    /// Kernel rows of the union window.
    public let windowHeight: Int
    /// Floats per im2col row (`windowHeight · kw · ci`), the leading dimension of the matrix.
    public let windowLength: Int
    /// Each convolution's first kernel row relative to `oh·sh`.
    let tops: [Int]
    let rowLength: Int
    private let transposed: UnsafeMutablePointer<Float>?
    private let paddedHeight: Int
    /// int8 only: the input quantised once (NHWC, or time-transposed and padded like ``transposed``).
    private let quantizedInput: UnsafeMutablePointer<Int8>?
    private let quantizedTransposed: UnsafeMutablePointer<Int8>?
    /// int8 only: the code of 0 (the zero point).
    private let zeroCode: Int8

    /// Checks that `convs` can share one im2col over `x` and prepares it; with `int8InverseScale`, also the int8
    /// input that ``fill(_:first:rows:)`` reads (each input value is quantised once, not once per window it falls
    /// in): `clamp(round(x · int8InverseScale), ±127)`, or with a nonzero `int8ZeroPoint` `z`,
    /// `clamp(round(x · int8InverseScale) + z, −128, 127)` and `z` where a window leaves the input.
    public init(_ convs: [Conv2D], input x: Tensor, int8InverseScale: Float? = nil, int8ZeroPoint: Int8 = 0) {
        precondition(!convs.isEmpty, "SharedWindowColumns: no convolutions")
        precondition(x.rank == 4, "SharedWindowColumns: input must be NHWC, got \(x.shape)")
        (n, h, w, ci) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        kw = convs[0].kernelWidth; sh = convs[0].strideH; sw = convs[0].strideW
        (oh, _) = convs[0].padding.output(inputSize: h, kernel: convs[0].kernelHeight, stride: sh)
        (ow, pl) = convs[0].padding.output(inputSize: w, kernel: kw, stride: sw)
        var start = Int.max, end = Int.min
        var tops: [Int] = []
        for c in convs {
            precondition(c.kernelWidth == kw && c.inputChannels == ci && c.strideH == sh && c.strideW == sw,
                         "SharedWindowColumns: convs must share kernel width, input channels and strides")
            let (o, pt) = c.padding.output(inputSize: h, kernel: c.kernelHeight, stride: sh)
            let (o2, pl2) = c.padding.output(inputSize: w, kernel: kw, stride: sw)
            precondition(o == oh && o2 == ow && pl2 == pl, "SharedWindowColumns: output sizes differ")
            tops.append(-pt)
            start = Swift.min(start, -pt)
            end = Swift.max(end, c.kernelHeight - pt)
        }
        self.tops = tops
        windowStart = start
        windowHeight = end - start
        rowLength = kw * ci
        windowLength = windowHeight * rowLength
        let padTop = -start, padBottom = Swift.max(0, (oh - 1) * sh + end - h)
        paddedHeight = h + padTop + padBottom
        if kw * ci == 1 && x.shape[0] * oh * ow > 0 {
            let t = UnsafeMutablePointer<Float>.allocate(capacity: x.shape[0] * x.shape[2] * (h + padTop + padBottom))
            t.initialize(repeating: 0, count: x.shape[0] * x.shape[2] * (h + padTop + padBottom))
            let (nn, hh, ww, hp) = (x.shape[0], x.shape[1], x.shape[2], h + padTop + padBottom)
            x.values.withUnsafeBufferPointer { src in
                for b in 0..<nn { for t0 in 0..<hh { for f in 0..<ww {
                    t[(b * ww + f) * hp + padTop + t0] = src[(b * hh + t0) * ww + f]
                } } }
            }
            transposed = t
        } else {
            transposed = nil
        }
        zeroCode = int8ZeroPoint
        if let inv = int8InverseScale {
            func quantize(_ src: UnsafePointer<Float>, _ count: Int) -> UnsafeMutablePointer<Int8> {
                let q = UnsafeMutablePointer<Int8>.allocate(capacity: Swift.max(count, 1))
                if int8ZeroPoint == 0 {
                    LowPrecision.toInt8(src, q, count: count, inverseScale: inv)
                } else {
                    LowPrecision.toInt8(src, q, count: count, inverseScale: inv, zeroPoint: int8ZeroPoint)
                }
                return q
            }
            if let t = transposed {
                quantizedTransposed = quantize(t, x.shape[0] * x.shape[2] * paddedHeight)
                quantizedInput = nil
            } else {
                quantizedInput = x.values.withUnsafeBufferPointer { quantize($0.baseAddress!, $0.count) }
                quantizedTransposed = nil
            }
        } else {
            (quantizedInput, quantizedTransposed) = (nil, nil)
        }
    }

    deinit {
        transposed?.deallocate()
        quantizedInput?.deallocate()
        quantizedTransposed?.deallocate()
    }

    /// Output rows `(n, oh)` per block so that a block's im2col holds at most `budget` floats.
    public func rowsPerBlock(budget: Int) -> Int {
        Swift.max(1, Swift.min(n * oh, budget / Swift.max(ow * windowLength, 1)))
    }

    /// Column of convolution `i`'s first kernel entry inside a matrix row.
    public func columnOffset(_ i: Int) -> Int { (tops[i] - windowStart) * rowLength }

    /// Fills the im2col rows of output rows `first ..< first + rows` (each `ow` matrix rows) into `col`.
    public func fill(_ col: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, first: Int, rows: Int) {
        fill(col, x: x, transposed: transposed.map { UnsafePointer($0) }, first: first, rows: rows)
    }

    /// The int8 im2col rows of output rows `first ..< first + rows`, from the input quantised at init
    /// (`int8InverseScale`).
    public func fill(_ col: UnsafeMutablePointer<Int8>, first: Int, rows: Int) {
        precondition(quantizedInput != nil || quantizedTransposed != nil, "SharedWindowColumns: made without int8InverseScale")
        fill(col, x: quantizedInput.map { UnsafePointer($0) }, transposed: quantizedTransposed.map { UnsafePointer($0) },
             first: first, rows: rows, padding: zeroCode)
    }

    private func fill<T: BitwiseCopyable & AdditiveArithmetic>(_ col: UnsafeMutablePointer<T>, x: UnsafePointer<T>?,
                                                              transposed: UnsafePointer<T>?, first: Int, rows: Int,
                                                              padding: T = .zero) {
        if let tp = transposed {
            for r in 0..<rows {
                let b = (first + r) / oh, y = (first + r) % oh
                for q in 0..<ow {
                    (col + (r * ow + q) * windowLength).update(from: tp + (b * w + q * sw - pl) * paddedHeight + y * sh,
                                                                count: windowLength)
                }
            }
        } else if let x {
            Im2Col.fill(col, x: x, h: h, w: w, c: ci, kh: windowHeight, kw: kw, sh: sh, sw: sw,
                        pt: -windowStart, pl: pl, oh: oh, ow: ow, firstRow: first * ow, rows: rows * ow, padding: padding)
        }
    }
}
