import CDNNL
import Foundation

/// One oneDNN forward convolution over a single-channel input (musicnn's front end): `x[n, h, w]` (float32,
/// bfloat16 or int8) convolved with `W[kh, kw, 1, co]` (TensorFlow's HWIO), zero padding `(padTop, padBottom)` in `h`
/// and `(padLeft, padRight)` in `w`, stride 1, no bias:
///
///     z[n, c, oh, ow] = Σ_{i, j} x[n, oh + i − padTop, ow + j − padLeft] · W[i, j, 0, c]
///
/// written (float32 and bf16) in oneDNN's channel-blocked layout `nChw16c` (`z[n, c, y, x]` at index
/// `(((n·⌈C/16⌉ + ⌊c/16⌋)·oh + y)·ow + x)·16 + c mod 16`, `C` the primitive's channels, ``Shape/paddedChannels``):
/// 16 channels of one position are contiguous, so a max over `ow` is a max of 16-lane vectors.
///
/// oneDNN picks its direct kernel (`jit:avx512_core`, `jit_bf16:avx512_core_bf16`) for these shapes; the weights
/// are reordered into its layout once per layer (``reorderedWeights(_:)``).
///
/// **int8 runs space to depth** (``Shape/int8Group``). oneDNN 2.6 has no int8 kernel for one input channel (only
/// `ref_int8`), but its VNNI kernel (`jit_int8:avx512_core_vnni`) runs four channels, NHWC in and out. With `F = 4`
/// width positions as channels, `u[y][x'][c] = x[y][F·x' + c]`, and `p` (a multiple of 4) output phases,
///
///     z[y, p·q + r, o] = Σ_{i, j', c} u[y + i][(p/F)·q + j'][c] · W''[i, j', c, r·co + o],   W''[i, j', c, r·co + o] = W[i, F·j' + c − r, o]
///
/// an ordinary convolution of stride `p/F`, no dilation, `⌈(kw + p − 1)/F⌉` taps, int32 sums (``Shape/inputDims``).
/// The input is the quantised int8 patch, padded with the zero point; width-long kernels only.
///
/// **bf16 folds pairs of taps into two input channels** (``Shape/foldsTaps``). oneDNN's bf16 kernel multiplies pairs
/// of input channels (`vdpbf16ps`), so with one channel it runs at the fp32 rate or slower. Along the kernel's longer
/// axis (say width, `kw` taps), taps `2j` and `2j + 1` read neighbouring inputs, so with `u[0] = x` and
/// `u[1] = x` shifted by one along that axis,
///
///     Σ_j x[ow + j] · W[j] = Σ_{j' < ⌈kw/2⌉} Σ_{c ∈ {0, 1}} u[c][ow + 2j'] · W[2j' + c]       (W[kw] = 0)
///
/// a convolution of two channels with `⌈kw/2⌉` taps dilated by 2: the same products, summed in another order, at
/// twice the rate (C prototype, 7×38 → 48 channels: 0.62 ms folded bf16, 1.23 ms fp32, 12 ms unfolded bf16). The
/// padding along the folded axis is written into `u` (``foldInput(_:into:)``), since the shifted channel must read the
/// first real input where the unshifted one reads padding.
///
/// **Output phases pack neighbouring outputs into channels** (``Shape/phases``). The kernel vectorises over output
/// channels in blocks of 16, so `co` filters run `16·⌈co/16⌉` lanes (21 filters: a third of them padding). With `p`
/// phases along the kernel's longer axis (say width) the primitive computes, at stride `p`,
///
///     z'[y, q, c·co + o] = Σ_{i, j' < kw + p − 1} x[y + i, p·q + j'] · W'[i, j', c·co + o],   W'[i, j', c·co + o] = W[i, j' − c, o]
///
/// (`W` zero outside its `kw` taps), which is `z[y, p·q + c, o]`: the same products plus exact zeros, `p·co` channels
/// (63 of 64 lanes busy for 21 filters at `p = 3`) for `p − 1` more taps. Outputs past the layer's last position
/// (the end padding grows by `p·⌈ow/p⌉ − ow`) are computed and never read. bf16 folds the phased kernel's taps.
/// bf16 may also round the channels up to a multiple of 64 (``Shape/channelMultiple``). ``bestLayout(for:)`` times the
/// layouts that do less padded work and keeps the fastest for the machine.
public final class DNNLConvolution: @unchecked Sendable {
    /// What identifies a primitive.
    public struct Shape: Hashable, Sendable {
        public var n: Int, h: Int, w: Int
        public var kh: Int, kw: Int, co: Int
        public var padTop: Int, padBottom: Int, padLeft: Int, padRight: Int
        public var precision: InferencePrecision
        /// Neighbouring outputs along the longer kernel axis computed as channels of one primitive output (1: none).
        public var phases: Int
        /// The primitive's output channels are ``phasedChannels`` rounded up to a multiple of this (16, or 64: oneDNN
        /// 2.6's bf16 kernel runs 97 channels at 40 % of the rate of 128 here; the extra filters are zero and never read).
        public var channelMultiple: Int

        public init(n: Int, h: Int, w: Int, kh: Int, kw: Int, co: Int,
                    padTop: Int, padBottom: Int, padLeft: Int = 0, padRight: Int = 0, precision: InferencePrecision,
                    phases: Int = 1, channelMultiple: Int = 16) {
            (self.n, self.h, self.w, self.kh, self.kw, self.co) = (n, h, w, kh, kw, co)
            (self.padTop, self.padBottom, self.padLeft, self.padRight) = (padTop, padBottom, padLeft, padRight)
            self.precision = precision
            self.phases = Swift.max(phases, 1)
            self.channelMultiple = Swift.max(channelMultiple, 16) / 16 * 16
        }

        /// The kernel's longer axis, along which phases and bf16's folded taps go, is the width (`kw ≥ kh`), else
        /// the height.
        public var alongWidth: Bool { kw >= kh }
        /// int8: width positions per input channel group (space to depth), and so the step of the phase counts.
        public static let int8Group = 4
        /// bf16 with at least two taps along the longer kernel axis: the taps are folded into two input channels.
        public var foldsTaps: Bool { precision == .bf16 && Swift.max(phasedKH, phasedKW) >= 2 }
        /// The folded axis is the width when `kw ≥ kh`, else the height.
        public var foldsWidth: Bool { alongWidth }
        /// The phased kernel: `phases − 1` more taps along the longer axis.
        public var phasedKH: Int { alongWidth ? kh : kh + phases - 1 }
        public var phasedKW: Int { alongWidth ? kw + phases - 1 : kw }
        /// The primitive's output height and width: `⌈oh/phases⌉` or `⌈ow/phases⌉` along the longer axis.
        public var phasedOH: Int { alongWidth ? oh : (oh + phases - 1) / phases }
        public var phasedOW: Int { alongWidth ? (ow + phases - 1) / phases : ow }
        /// Zeros added after the input along the longer axis so that every phase has `phasedOW` (`phasedOH`)
        /// outputs: `phases·⌈o/phases⌉ − o`.
        public var phaseExtra: Int { alongWidth ? phases * phasedOW - ow : phases * phasedOH - oh }
        /// The primitive's output channels, `phases·co`: phase `c`'s filter `o` is channel `c·co + o`.
        public var phasedChannels: Int { phases * co }
        /// The primitive's input `[2, h', w']` (folded) or `[1, h, w]`: along the folded axis the padded length
        /// (with ``phaseExtra``), less one when the phased taps are even (the last shifted element is never read).
        public var inputDims: (channels: Int, h: Int, w: Int) {
            if precision == .int8 {
                let g = Self.int8Group
                return (g, h + padTop + padBottom, phases / g * (phasedOW - 1) + (phasedKW + g - 1) / g)
            }
            guard foldsTaps else { return (1, h, w) }
            return foldsWidth ? (2, h, w + padLeft + padRight + phaseExtra - (phasedKW % 2 == 0 ? 1 : 0))
                : (2, h + padTop + padBottom + phaseExtra - (phasedKH % 2 == 0 ? 1 : 0), w)
        }
        /// Elements of one patch's primitive input.
        public var inputCount: Int { let d = inputDims; return n * d.channels * d.h * d.w }

        /// The layer's output height and width (what the phases together cover).
        public var oh: Int { h + padTop + padBottom - kh + 1 }
        public var ow: Int { w + padLeft + padRight - kw + 1 }
        /// The primitive's output channels: ``phasedChannels`` rounded up to ``channelMultiple`` (int8, NHWC: not rounded).
        public var paddedChannels: Int {
            precision == .int8 ? phasedChannels : (phasedChannels + channelMultiple - 1) / channelMultiple * channelMultiple
        }
        /// Floats of the blocked output (int8: int32 sums, NHWC).
        public var outputCount: Int { n * paddedChannels * phasedOH * phasedOW }
    }

    public let shape: Shape
    private let primitive: DNNLPrimitive
    let srcMD: dnnl_memory_desc_t, weiMD: dnnl_memory_desc_t, dstMD: dnnl_memory_desc_t
    /// oneDNN's implementation name, e.g. `jit:avx512_core`.
    public var implementation: String { primitive.implementation }
    /// Identifies the weights layout this primitive reads (the raw bytes of its memory descriptor).
    let weightsLayoutKey: Data

    private static let cache = DNNLPrimitiveCache<Shape, DNNLConvolution>()

    /// The process's primitive for `shape` and the calling thread's OpenMP team size (made on first use,
    /// ``DNNLPrimitiveCache``). Throws when oneDNN is missing, cannot make the
    /// primitive, or would only run its reference implementation (far slower than im2col + GEMM).
    public static func cached(_ shape: Shape) throws -> DNNLConvolution {
        try cache.primitive(shape) { try DNNLConvolution(shape) }
    }

    /// Implementations of every convolution primitive made so far, with how many shapes each ran (benchmarks).
    public static var implementationsUsed: [String: Int] {
        var r: [String: Int] = [:]
        for p in cache.all { r["conv \(p.shape.precision.rawValue): \(p.implementation)", default: 0] += 1 }
        return r
    }

    init(_ s: Shape) throws {
        guard let engine = DNNLEngine.shared else {
            throw DNNLError(call: "DNNLEngine.shared (\(DNNLEngine.unavailableReason ?? "no engine"))", status: -1)
        }
        let int8 = s.precision == .int8
        guard !int8 || (s.alongWidth && s.phases % Shape.int8Group == 0) else {
            throw DNNLError(call: "DNNLConvolution(int8): width-long kernels with phases a multiple of \(Shape.int8Group) only (\(s))",
                            status: Int(dnnl_unimplemented.rawValue))
        }
        precondition(s.oh > 0 && s.ow > 0 && s.co > 0 && s.n > 0, "DNNLConvolution: empty shape \(s)")
        shape = s
        let t: dnnl_data_type_t = int8 ? dnnl_s8 : s.precision == .bf16 ? dnnl_bf16 : dnnl_f32
        let d = s.inputDims, k = Self.kernelDims(s)
        var src = try Self.md([s.n, d.channels, d.h, d.w], t, int8 ? dnnl_nhwc : dnnl_nchw)
        var wei = try Self.md([s.paddedChannels, d.channels, k.h, k.w], t, dnnl_format_tag_any)
        var dst = try Self.md([s.n, s.paddedChannels, s.phasedOH, s.phasedOW], int8 ? dnnl_s32 : dnnl_f32, int8 ? dnnl_nhwc : dnnl_aBcd16b)
        var desc = dnnl_convolution_desc_t()
        // Phases: stride `phases` along the longer axis, whose end padding grows by `phaseExtra`. Folded: the padding
        // along the folded axis is in the input, and the taps are dilated by 2 there (oneDNN counts dilation as the
        // gap between taps). int8: all padding is in the input, stride `phases / 4` over the grouped width.
        let (extraW, extraH) = s.alongWidth ? (s.phaseExtra, 0) : (0, s.phaseExtra)
        let pads = int8 ? (0, 0, 0, 0) : !s.foldsTaps ? (s.padTop, s.padLeft, s.padBottom + extraH, s.padRight + extraW)
            : s.foldsWidth ? (s.padTop, 0, s.padBottom, 0) : (0, s.padLeft, 0, s.padRight)
        let dilation = !s.foldsTaps ? [0, 0] : s.foldsWidth ? [0, 1] : [1, 0]
        let strides = int8 ? [1, s.phases / Shape.int8Group] : s.alongWidth ? [1, s.phases] : [s.phases, 1]
        try DNNLPrimitive.withDims(strides) { strides in
            try DNNLPrimitive.withDims(dilation) { dil in
                try DNNLPrimitive.withDims([pads.0, pads.1]) { padL in
                    try DNNLPrimitive.withDims([pads.2, pads.3]) { padR in
                        try dnnlCheck(dnnl_dilated_convolution_forward_desc_init(
                                          &desc, dnnl_forward_inference, dnnl_convolution_direct,
                                          &src, &wei, nil, &dst, strides, dil, padL, padR),
                                      "dnnl_dilated_convolution_forward_desc_init")
                    }
                }
            }
        }
        let attr = try DNNLPrimitive.attributes()
        defer { dnnl_primitive_attr_destroy(attr) }
        var pd: dnnl_primitive_desc_t?
        try withUnsafePointer(to: &desc) { d in
            try dnnlCheck(dnnl_primitive_desc_create(&pd, UnsafeRawPointer(d), attr, engine.engine, nil),
                          "dnnl_primitive_desc_create(convolution \(s.precision.rawValue) \(s.kh)×\(s.kw)→\(s.co))")
        }
        defer { dnnl_primitive_desc_destroy(pd) }
        guard let wq = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0) else {
            throw DNNLError(call: "dnnl_primitive_desc_query_md(weights)", status: -1)
        }
        (srcMD, weiMD, dstMD) = (src, wq.pointee, dst)
        weightsLayoutKey = withUnsafeBytes(of: wq.pointee) { Data($0) }
        primitive = try DNNLPrimitive(pd, name: "convolution")
        if primitive.implementation.hasPrefix("ref") {
            throw DNNLError(call: "DNNLConvolution: only oneDNN's reference kernel (\(primitive.implementation)) for \(s)",
                            status: Int(dnnl_unimplemented.rawValue))
        }
    }

    /// The primitive's kernel height and width: the phased kernel, halved (rounded up) along the folded axis.
    static func kernelDims(_ s: Shape) -> (h: Int, w: Int) {
        if s.precision == .int8 { return (s.kh, (s.phasedKW + Shape.int8Group - 1) / Shape.int8Group) }
        guard s.foldsTaps else { return (s.phasedKH, s.phasedKW) }
        return s.foldsWidth ? (s.phasedKH, (s.phasedKW + 1) / 2) : ((s.phasedKH + 1) / 2, s.phasedKW)
    }

    /// One patch `x[h, w]` (bfloat16 bits) → the folded primitive input `u[2, h', w']` (``Shape/inputDims``):
    /// `u[c][y][q] = x_p[y][q + c]` (width folded) or `x_p[y + c][q]` (height folded), `x_p` being `x` zero-padded
    /// along the folded axis. Only for shapes that fold (``Shape/foldsTaps``).
    public func foldInput(_ x: UnsafePointer<UInt16>, into u: UnsafeMutablePointer<UInt16>) {
        let s = shape, d = s.inputDims
        precondition(s.foldsTaps && s.n == 1, "DNNLConvolution.foldInput: \(s) does not fold")
        let plane = d.h * d.w
        u.initialize(repeating: 0, count: 2 * plane)
        if s.foldsWidth {
            for y in 0..<s.h {
                let src = x + y * s.w
                for c in 0..<2 {
                    let dst = u + c * plane + y * d.w
                    // u[c][y][q] = x[y][q + c − padLeft] where that lies inside x.
                    let q0 = Swift.max(0, s.padLeft - c), q1 = Swift.min(d.w, s.w + s.padLeft - c)
                    if q1 > q0 { (dst + q0).update(from: src + (q0 + c - s.padLeft), count: q1 - q0) }
                }
            }
        } else {
            for c in 0..<2 {
                // u[c][y] = x[y + c − padTop] where that lies inside x.
                let y0 = Swift.max(0, s.padTop - c), y1 = Swift.min(d.h, s.h + s.padTop - c)
                if y1 > y0 { (u + c * plane + y0 * d.w).update(from: x + (y0 + c - s.padTop) * s.w, count: (y1 - y0) * d.w) }
            }
        }
    }

    /// One int8 patch `q[h, w]` (quantised with zero point `z`) → the primitive input `u[h'][w'][4]` (NHWC,
    /// ``Shape/inputDims``): `u[y][x'][c] = q_p[y][4·x' + c]`, `q_p` being `q` padded with `z` (the code of 0).
    public func spaceToDepthInput(_ q: UnsafePointer<Int8>, zeroPoint z: Int8, into u: UnsafeMutablePointer<Int8>) {
        let s = shape, d = s.inputDims
        precondition(s.precision == .int8 && s.n == 1, "DNNLConvolution.spaceToDepthInput: \(s) is not int8")
        let rowLength = d.w * d.channels
        u.initialize(repeating: z, count: d.h * rowLength)
        for y in 0..<s.h {
            // Grouped position g = 4·x' + c reads q[y][g − padLeft].
            (u + (y + s.padTop) * rowLength + s.padLeft).update(from: q + y * s.w, count: Swift.min(s.w, rowLength - s.padLeft))
        }
    }

    private static func md(_ dims: [Int], _ t: dnnl_data_type_t, _ tag: dnnl_format_tag_t) throws -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        try DNNLPrimitive.withDims(dims) { d in
            try dnnlCheck(dnnl_memory_desc_init_by_tag(&md, Int32(dims.count), d, t, tag), "dnnl_memory_desc_init_by_tag")
        }
        return md
    }

    /// The layer's weights (`weights.values`, HWIO `[kh, kw, 1, co]`) in this primitive's layout and type, made by a
    /// oneDNN reorder (float32 → bfloat16 rounds to nearest even) on first use and kept with the weights.
    public func reorderedWeights(_ weights: GEMMWeights) throws -> GEMMWeights.Derived {
        precondition(weights.k == shape.kh * shape.kw && weights.n == shape.co, "DNNLConvolution: weights \(weights.k) × \(weights.n) for \(shape)")
        let key = "dnnl-conv \(shape.precision.rawValue) \(shape.kh)x\(shape.kw)x\(shape.co) phases \(shape.phases)x\(shape.channelMultiple) "
            + weightsLayoutKey.base64EncodedString()
        // The int8 weights first: `derived` holds the weights' lock while it makes a form.
        let q = shape.precision == .int8 ? weights.quantized.values : []
        // Made and run as this thread's oneDNN calls run (one thread inside BLASThreads.withSingleThread: the
        // tagger's chunk threads make these on their first chunk), like the primitives (DNNLPrimitiveCache).
        return try weights.derived(key) { try DNNLThreads.withCallerThreads {
            guard let engine = DNNLEngine.shared else { throw DNNLError(call: "DNNLEngine.shared", status: -1) }
            let k = Self.kernelDims(shape), ci = shape.inputDims.channels, cop = shape.paddedChannels
            let int8 = shape.precision == .int8
            var userMD = try Self.md([cop, ci, k.h, k.w], int8 ? dnnl_s8 : dnnl_f32, dnnl_hwio)
            var weiMD = self.weiMD
            // Phased: W'[.., j', .., c·co + o] = W[.., j' − c, .., o] along the longer axis. Folded: the phased kernel's
            // taps 2j' + ch become channel ch of tap j'; int8: its taps 4j' + ch, from the per-channel int8 weights.
            // Zero where the source tap is outside W.
            let (kh, kw, co, p) = (shape.kh, shape.kw, shape.co, shape.phases)
            var user = [Float](repeating: 0, count: int8 ? 0 : k.h * k.w * ci * cop)
            var userQ = [Int8](repeating: 0, count: int8 ? k.h * k.w * ci * cop : 0)
            for i in 0..<k.h { for j in 0..<k.w { for ch in 0..<ci { for c in 0..<p {
                var (pi, pj) = (i, j)
                if int8 { pj = Shape.int8Group * j + ch } else if shape.foldsTaps { if shape.foldsWidth { pj = 2 * j + ch } else { pi = 2 * i + ch } }
                let (si, sj) = shape.alongWidth ? (pi, pj - c) : (pi - c, pj)
                guard (0..<kh).contains(si), (0..<kw).contains(sj) else { continue }
                let dst = ((i * k.w + j) * ci + ch) * cop + c * co, src = (si * kw + sj) * co
                if int8 { for o in 0..<co { userQ[dst + o] = q[src + o] } } else { for o in 0..<co { user[dst + o] = weights.values[src + o] } }
            } } } }
            let out = GEMMWeights.Derived(byteCount: dnnl_memory_desc_get_size(&weiMD))
            var rpd: dnnl_primitive_desc_t?
            try dnnlCheck(dnnl_reorder_primitive_desc_create(&rpd, &userMD, engine.engine, &weiMD, engine.engine, nil),
                          "dnnl_reorder_primitive_desc_create(conv weights)")
            defer { dnnl_primitive_desc_destroy(rpd) }
            var reorder: dnnl_primitive_t?
            try dnnlCheck(dnnl_primitive_create(&reorder, rpd), "dnnl_primitive_create(reorder)")
            defer { dnnl_primitive_destroy(reorder) }
            var src: dnnl_memory_t?, dst: dnnl_memory_t?
            try (int8 ? userQ.withUnsafeBytes { Data($0) } : user.withUnsafeBytes { Data($0) }).withUnsafeBytes { wp in
                try dnnlCheck(dnnl_memory_create(&src, &userMD, engine.engine, UnsafeMutableRawPointer(mutating: wp.baseAddress!)),
                              "dnnl_memory_create")
                defer { dnnl_memory_destroy(src) }
                try dnnlCheck(dnnl_memory_create(&dst, &weiMD, engine.engine, out.bytes), "dnnl_memory_create")
                defer { dnnl_memory_destroy(dst) }
                var args = [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: src), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: dst)]
                try engine.withStream { stream in
                    try dnnlCheck(dnnl_primitive_execute(reorder, stream, 2, &args), "dnnl_primitive_execute(reorder)")
                    try dnnlCheck(dnnl_stream_wait(stream), "dnnl_stream_wait")
                }
            }
            return out
        } }
    }

    /// Runs the convolution: `x` holds ``Shape/inputCount`` elements of the primitive's type (Float, or bfloat16 bits
    /// as UInt16: `n·h·w`, or the folded input of ``foldInput(_:into:)``), `weights` comes from
    /// ``reorderedWeights(_:)``, `z` receives ``Shape/outputCount`` floats (blocked).
    /// Safe to call from several threads at once; inside `BLASThreads.withSingleThread` it runs on the calling
    /// thread only.
    public func run(x: UnsafeRawPointer, weights: GEMMWeights.Derived, z: UnsafeMutablePointer<Float>) throws {
        try run(x: x, weights: UnsafeRawPointer(weights.bytes), z: z)
    }

    /// ``run(x:weights:z:)`` with the reordered weights' bytes.
    func run(x: UnsafeRawPointer, weights: UnsafeRawPointer, z: UnsafeMutablePointer<Float>) throws {
        try primitive.execute([(DNNL_ARG_SRC, srcMD, x), (DNNL_ARG_WEIGHTS, weiMD, weights), (DNNL_ARG_DST, dstMD, UnsafeRawPointer(z))])
    }
}
