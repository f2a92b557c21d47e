import CDNNL
import Foundation

/// One oneDNN forward convolution over a single-channel input (musicnn's front end): `x[n, h, w]` (float32 or
/// bfloat16) convolved with `W[kh, kw, 1, co]` (TensorFlow's HWIO), zero padding `(padTop, padBottom)` in `h` and
/// `(padLeft, padRight)` in `w`, stride 1, no bias:
///
///     z[n, c, oh, ow] = Σ_{i, j} x[n, oh + i − padTop, ow + j − padLeft] · W[i, j, 0, c]
///
/// written in oneDNN's channel-blocked layout `nChw16c` (``blockedOffset(n:c:oh:ow:)``): 16 channels of one
/// position are contiguous, so a max over `ow` is a max of 16-lane vectors. Channels `co ..< 16·⌈co/16⌉` are padding.
///
/// oneDNN picks its direct kernel (`jit:avx512_core`, `jit_bf16:avx512_core_bf16`) for these shapes; the weights
/// are reordered into its layout once per layer (``reorderedWeights(_:)``). int8 has no direct kernel for one input
/// channel in oneDNN 2.6 (only `ref_int8`), so it is not offered.
public final class DNNLConvolution: @unchecked Sendable {
    /// What identifies a primitive.
    public struct Shape: Hashable, Sendable {
        public var n: Int, h: Int, w: Int
        public var kh: Int, kw: Int, co: Int
        public var padTop: Int, padBottom: Int, padLeft: Int, padRight: Int
        public var precision: InferencePrecision

        public init(n: Int, h: Int, w: Int, kh: Int, kw: Int, co: Int,
                    padTop: Int, padBottom: Int, padLeft: Int = 0, padRight: Int = 0, precision: InferencePrecision) {
            (self.n, self.h, self.w, self.kh, self.kw, self.co) = (n, h, w, kh, kw, co)
            (self.padTop, self.padBottom, self.padLeft, self.padRight) = (padTop, padBottom, padLeft, padRight)
            self.precision = precision
        }

        public var oh: Int { h + padTop + padBottom - kh + 1 }
        public var ow: Int { w + padLeft + padRight - kw + 1 }
        /// Output channels rounded up to the 16-channel block.
        public var paddedChannels: Int { (co + 15) / 16 * 16 }
        /// Floats of the blocked output.
        public var outputCount: Int { n * paddedChannels * oh * ow }
    }

    public let shape: Shape
    /// oneDNN's implementation name, e.g. `jit:avx512_core`.
    public let implementation: String
    private let primitive: dnnl_primitive_t
    private var srcMD = dnnl_memory_desc_t(), weiMD = dnnl_memory_desc_t(), dstMD = dnnl_memory_desc_t()
    private var scratchMD = dnnl_memory_desc_t()
    private let scratchBytes: Int
    /// Identifies the weights layout this primitive reads (the raw bytes of its memory descriptor).
    let weightsLayoutKey: Data

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [Shape: DNNLConvolution] = [:]

    /// The process's primitive for `shape` (made on first use). Throws when oneDNN is missing, cannot make the
    /// primitive, or would only run its reference implementation (far slower than im2col + GEMM).
    public static func cached(_ shape: Shape) throws -> DNNLConvolution {
        lock.lock(); defer { lock.unlock() }
        if let p = cache[shape] { return p }
        let p = try DNNLConvolution(shape)
        cache[shape] = p
        return p
    }

    /// Implementations of every convolution primitive made so far, with how many shapes each ran (benchmarks).
    public static var implementationsUsed: [String: Int] {
        lock.lock(); defer { lock.unlock() }
        var r: [String: Int] = [:]
        for p in cache.values { r["conv \(p.shape.precision.rawValue): \(p.implementation)", default: 0] += 1 }
        return r
    }

    init(_ s: Shape) throws {
        guard let engine = DNNLEngine.shared else {
            throw DNNLError(call: "DNNLEngine.shared (\(DNNLEngine.unavailableReason ?? "no engine"))", status: -1)
        }
        guard s.precision != .int8 else {
            throw DNNLError(call: "DNNLConvolution(int8): oneDNN 2.6 has no direct int8 kernel for one input channel",
                            status: Int(dnnl_unimplemented.rawValue))
        }
        precondition(s.oh > 0 && s.ow > 0 && s.co > 0 && s.n > 0, "DNNLConvolution: empty shape \(s)")
        shape = s
        let t: dnnl_data_type_t = s.precision == .bf16 ? dnnl_bf16 : dnnl_f32
        var src = dnnl_memory_desc_t(), wei = dnnl_memory_desc_t(), dst = dnnl_memory_desc_t()
        try Self.initMD(&src, [s.n, 1, s.h, s.w], t, dnnl_nchw)
        try Self.initMD(&wei, [s.co, 1, s.kh, s.kw], t, dnnl_format_tag_any)
        try Self.initMD(&dst, [s.n, s.co, s.oh, s.ow], dnnl_f32, dnnl_aBcd16b)
        (srcMD, dstMD) = (src, dst)
        var desc = dnnl_convolution_desc_t()
        let strides = Self.dims([1, 1]), padL = Self.dims([s.padTop, s.padLeft]), padR = Self.dims([s.padBottom, s.padRight])
        try withUnsafePointer(to: strides) { sp in
            try withUnsafePointer(to: padL) { lp in
                try withUnsafePointer(to: padR) { rp in
                    func first(_ p: UnsafePointer<dnnl_dims_t>) -> UnsafePointer<Int64> {
                        UnsafeRawPointer(p).assumingMemoryBound(to: Int64.self)
                    }
                    try dnnlCheck(dnnl_convolution_forward_desc_init(&desc, dnnl_forward_inference, dnnl_convolution_direct,
                                                                     &src, &wei, nil, &dst, first(sp), first(lp), first(rp)),
                                  "dnnl_convolution_forward_desc_init")
                }
            }
        }
        var attr: dnnl_primitive_attr_t?
        try dnnlCheck(dnnl_primitive_attr_create(&attr), "dnnl_primitive_attr_create")
        defer { dnnl_primitive_attr_destroy(attr) }
        try dnnlCheck(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "dnnl_primitive_attr_set_scratchpad_mode")
        var pd: dnnl_primitive_desc_t?
        try withUnsafePointer(to: &desc) { d in
            try dnnlCheck(dnnl_primitive_desc_create(&pd, UnsafeRawPointer(d), attr, engine.engine, nil),
                          "dnnl_primitive_desc_create(convolution \(s.precision.rawValue) \(s.kh)×\(s.kw)→\(s.co))")
        }
        defer { dnnl_primitive_desc_destroy(pd) }
        var info: UnsafePointer<CChar>?
        withUnsafeMutablePointer(to: &info) { p in
            _ = dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, UnsafeMutableRawPointer(p))
        }
        implementation = info.map { String(cString: $0) } ?? "unknown"
        if implementation.hasPrefix("ref") {
            throw DNNLError(call: "DNNLConvolution: only oneDNN's reference kernel (\(implementation)) for \(s)",
                            status: Int(dnnl_unimplemented.rawValue))
        }
        guard let wq = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0) else {
            throw DNNLError(call: "dnnl_primitive_desc_query_md(weights)", status: -1)
        }
        weiMD = wq.pointee
        weightsLayoutKey = withUnsafeBytes(of: wq.pointee) { Data($0) }
        if let sp = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0) {
            scratchMD = sp.pointee
            scratchBytes = dnnl_memory_desc_get_size(sp)
        } else {
            scratchBytes = 0
        }
        var prim: dnnl_primitive_t?
        try dnnlCheck(dnnl_primitive_create(&prim, pd), "dnnl_primitive_create(convolution)")
        primitive = prim!
    }

    deinit { dnnl_primitive_destroy(primitive) }

    private static func dims(_ v: [Int]) -> dnnl_dims_t {
        var d: dnnl_dims_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &d) { b in for (i, x) in v.enumerated() { b.storeBytes(of: Int64(x), toByteOffset: 8 * i, as: Int64.self) } }
        return d
    }

    private static func initMD(_ md: inout dnnl_memory_desc_t, _ v: [Int], _ t: dnnl_data_type_t, _ tag: dnnl_format_tag_t) throws {
        let d = dims(v)
        try withUnsafePointer(to: d) { dp in
            try dnnlCheck(dnnl_memory_desc_init_by_tag(&md, Int32(v.count), UnsafeRawPointer(dp).assumingMemoryBound(to: Int64.self), t, tag),
                          "dnnl_memory_desc_init_by_tag")
        }
    }

    /// Index of `z[n, c, oh, ow]` in the blocked output (`nChw16c`).
    @inline(__always)
    public func blockedOffset(n: Int, c: Int, oh: Int, ow: Int) -> Int {
        let s = shape
        return ((((n * (s.paddedChannels / 16) + c / 16) * s.oh + oh) * s.ow + ow) * 16) + c % 16
    }

    /// The layer's weights (`weights.values`, HWIO `[kh, kw, 1, co]`) in this primitive's layout and type, made by a
    /// oneDNN reorder (float32 → bfloat16 rounds to nearest even) on first use and kept with the weights.
    public func reorderedWeights(_ weights: GEMMWeights) throws -> GEMMWeights.Derived {
        precondition(weights.k == shape.kh * shape.kw && weights.n == shape.co, "DNNLConvolution: weights \(weights.k) × \(weights.n) for \(shape)")
        let key = "dnnl-conv \(shape.precision.rawValue) \(shape.kh)x\(shape.kw)x\(shape.co) " + weightsLayoutKey.base64EncodedString()
        return try weights.derived(key) {
            guard let engine = DNNLEngine.shared else { throw DNNLError(call: "DNNLEngine.shared", status: -1) }
            var userMD = dnnl_memory_desc_t()
            try Self.initMD(&userMD, [shape.co, 1, shape.kh, shape.kw], dnnl_f32, dnnl_hwio)
            let out = GEMMWeights.Derived(byteCount: dnnl_memory_desc_get_size(&weiMD))
            var rpd: dnnl_primitive_desc_t?
            try dnnlCheck(dnnl_reorder_primitive_desc_create(&rpd, &userMD, engine.engine, &weiMD, engine.engine, nil),
                          "dnnl_reorder_primitive_desc_create(conv weights)")
            defer { dnnl_primitive_desc_destroy(rpd) }
            var reorder: dnnl_primitive_t?
            try dnnlCheck(dnnl_primitive_create(&reorder, rpd), "dnnl_primitive_create(reorder)")
            defer { dnnl_primitive_destroy(reorder) }
            var src: dnnl_memory_t?, dst: dnnl_memory_t?
            try weights.values.withUnsafeBufferPointer { wp in
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
        }
    }

    /// Runs the convolution: `x` holds `n·h·w` elements of the primitive's type (Float, or bfloat16 bits as
    /// UInt16), `weights` comes from ``reorderedWeights(_:)``, `z` receives ``Shape/outputCount`` floats (blocked).
    /// Safe to call from several threads at once; inside `BLASThreads.withSingleThread` it runs on the calling
    /// thread only.
    public func run(x: UnsafeRawPointer, weights: GEMMWeights.Derived, z: UnsafeMutablePointer<Float>) throws {
        guard let engine = DNNLEngine.shared else { return }
        var mems: [dnnl_memory_t?] = []
        defer { for m in mems { dnnl_memory_destroy(m) } }
        func memory(_ md: inout dnnl_memory_desc_t, _ p: UnsafeRawPointer) throws -> dnnl_memory_t {
            var m: dnnl_memory_t?
            try dnnlCheck(dnnl_memory_create(&m, &md, engine.engine, UnsafeMutableRawPointer(mutating: p)), "dnnl_memory_create")
            mems.append(m)
            return m!
        }
        var args = [
            dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: try memory(&srcMD, x)),
            dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: try memory(&weiMD, weights.bytes)),
            dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: try memory(&dstMD, UnsafeRawPointer(z))),
        ]
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(scratchBytes, 64), alignment: 64)
        defer { scratch.deallocate() }
        if scratchBytes > 0 { args.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: try memory(&scratchMD, scratch))) }
        let stream = try engine.makeStream()
        defer { dnnl_stream_destroy(stream) }
        try DNNLThreads.withCallerThreads {
            try dnnlCheck(dnnl_primitive_execute(primitive, stream, Int32(args.count), &args), "dnnl_primitive_execute(convolution)")
            try dnnlCheck(dnnl_stream_wait(stream), "dnnl_stream_wait")
        }
    }
}
