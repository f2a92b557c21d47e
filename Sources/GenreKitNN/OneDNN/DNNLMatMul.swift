import CDNNL
import Foundation

/// One oneDNN matmul primitive `C[m × n] = op(A)[m × k] · op(B)[k × n]` on row-major strided matrices (`lda`, `ldb`,
/// `ldc`), in one of three type combinations: f32·f32, bf16·bf16 and s8·s8, always with a float32 `C` (for s8,
/// the int32 sums converted to float; the caller scales them). `op(A) = Aᵀ` when ``Shape/transposeA`` (A stored
/// `k × m`, row stride `lda`), likewise for `B` (stored `n × k`); with ``Shape/accumulate`` the product is added to
/// `C` (`C ← C + op(A)·op(B)`, oneDNN's sum post-op, in float32).
///
/// Primitives are made once per shape and kept for the process (``cached(_:)``); creating one costs more than
/// running a small one.
public final class DNNLMatMul: @unchecked Sendable {
    /// What identifies a primitive.
    public struct Shape: Hashable, Sendable {
        public var m: Int, n: Int, k: Int
        public var lda: Int, ldb: Int, ldc: Int
        public var precision: InferencePrecision
        public var transposeA: Bool, transposeB: Bool, accumulate: Bool
        public init(m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int, precision: InferencePrecision,
                    transposeA: Bool = false, transposeB: Bool = false, accumulate: Bool = false) {
            (self.m, self.n, self.k, self.lda, self.ldb, self.ldc, self.precision) = (m, n, k, lda, ldb, ldc, precision)
            (self.transposeA, self.transposeB, self.accumulate) = (transposeA, transposeB, accumulate)
        }
    }

    public let shape: Shape
    /// oneDNN's implementation name (`dnnl_query_impl_info_str`), e.g. `brg:avx512_core_bf16`.
    public let implementation: String
    private let primitive: dnnl_primitive_t
    private var srcMD = dnnl_memory_desc_t(), weiMD = dnnl_memory_desc_t(), dstMD = dnnl_memory_desc_t()
    private var scratchMD = dnnl_memory_desc_t()
    private let scratchBytes: Int

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [Shape: DNNLMatMul] = [:]

    /// The process's primitive for `shape` (made on first use).
    public static func cached(_ shape: Shape) throws -> DNNLMatMul {
        lock.lock(); defer { lock.unlock() }
        if let p = cache[shape] { return p }
        let p = try DNNLMatMul(shape)
        cache[shape] = p
        return p
    }

    /// Implementations of every primitive made so far, with how many shapes each ran (for the benchmarks).
    public static var implementationsUsed: [String: Int] {
        lock.lock(); defer { lock.unlock() }
        var r: [String: Int] = [:]
        for p in cache.values { r["\(p.shape.precision.rawValue): \(p.implementation)", default: 0] += 1 }
        return r
    }

    init(_ s: Shape) throws {
        guard let engine = DNNLEngine.shared else {
            throw DNNLError(call: "DNNLEngine.shared (\(DNNLEngine.unavailableReason ?? "no engine"))", status: -1)
        }
        shape = s
        let (srcT, weiT): (dnnl_data_type_t, dnnl_data_type_t)
        switch s.precision {
        case .fp32: (srcT, weiT) = (dnnl_f32, dnnl_f32)
        case .bf16: (srcT, weiT) = (dnnl_bf16, dnnl_bf16)
        case .int8: (srcT, weiT) = (dnnl_s8, dnnl_s8)
        }
        try Self.initMD(&srcMD, [s.m, s.k], s.transposeA ? [1, s.lda] : [s.lda, 1], srcT)
        try Self.initMD(&weiMD, [s.k, s.n], s.transposeB ? [1, s.ldb] : [s.ldb, 1], weiT)
        try Self.initMD(&dstMD, [s.m, s.n], [s.ldc, 1], dnnl_f32)
        var desc = dnnl_matmul_desc_t()
        try dnnlCheck(dnnl_matmul_desc_init(&desc, &srcMD, &weiMD, nil, &dstMD), "dnnl_matmul_desc_init")
        var attr: dnnl_primitive_attr_t?
        try dnnlCheck(dnnl_primitive_attr_create(&attr), "dnnl_primitive_attr_create")
        defer { dnnl_primitive_attr_destroy(attr) }
        // Scratch memory comes with each execution, so one primitive may run on several threads at once.
        try dnnlCheck(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "dnnl_primitive_attr_set_scratchpad_mode")
        if s.accumulate {
            var ops: dnnl_post_ops_t?
            try dnnlCheck(dnnl_post_ops_create(&ops), "dnnl_post_ops_create")
            defer { dnnl_post_ops_destroy(ops) }
            try dnnlCheck(dnnl_post_ops_append_sum(ops, 1), "dnnl_post_ops_append_sum")
            try dnnlCheck(dnnl_primitive_attr_set_post_ops(attr, ops), "dnnl_primitive_attr_set_post_ops")
        }
        var pd: dnnl_primitive_desc_t?
        try withUnsafePointer(to: &desc) { d in
            try dnnlCheck(dnnl_primitive_desc_create(&pd, UnsafeRawPointer(d), attr, engine.engine, nil),
                          "dnnl_primitive_desc_create(matmul \(s.precision.rawValue) \(s.m)×\(s.k)·\(s.k)×\(s.n))")
        }
        defer { dnnl_primitive_desc_destroy(pd) }
        var info: UnsafePointer<CChar>?
        withUnsafeMutablePointer(to: &info) { p in
            _ = dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, UnsafeMutableRawPointer(p))
        }
        implementation = info.map { String(cString: $0) } ?? "unknown"
        if let sp = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0) {
            scratchMD = sp.pointee
            scratchBytes = dnnl_memory_desc_get_size(sp)
        } else {
            scratchBytes = 0
        }
        var prim: dnnl_primitive_t?
        try dnnlCheck(dnnl_primitive_create(&prim, pd), "dnnl_primitive_create(matmul)")
        primitive = prim!
    }

    deinit { dnnl_primitive_destroy(primitive) }

    private static func initMD(_ md: inout dnnl_memory_desc_t, _ dims: [Int], _ strides: [Int], _ t: dnnl_data_type_t) throws {
        var d: dnnl_dims_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var st: dnnl_dims_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &d) { b in for (i, v) in dims.enumerated() { b.storeBytes(of: Int64(v), toByteOffset: 8 * i, as: Int64.self) } }
        withUnsafeMutableBytes(of: &st) { b in for (i, v) in strides.enumerated() { b.storeBytes(of: Int64(v), toByteOffset: 8 * i, as: Int64.self) } }
        try withUnsafePointer(to: &d) { dp in
            try withUnsafePointer(to: &st) { sp in
                try dnnlCheck(dnnl_memory_desc_init_by_strides(&md, Int32(dims.count),
                                                               UnsafeRawPointer(dp).assumingMemoryBound(to: Int64.self),
                                                               t, UnsafeRawPointer(sp).assumingMemoryBound(to: Int64.self)),
                              "dnnl_memory_desc_init_by_strides")
            }
        }
    }

    /// Runs the product: `a` and `b` hold elements of the primitive's types (Float, bfloat16 bits as UInt16, Int8),
    /// `c` receives floats.
    /// Safe to call from several threads at once (scratch memory and stream per call); inside
    /// `BLASThreads.withSingleThread` it runs on the calling thread only (``DNNLThreads``).
    public func run(a: UnsafeRawPointer, b: UnsafeRawPointer, c: UnsafeMutablePointer<Float>) throws {
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
            dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: try memory(&srcMD, a)),
            dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: try memory(&weiMD, b)),
            dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: try memory(&dstMD, UnsafeRawPointer(c))),
        ]
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(scratchBytes, 64), alignment: 64)
        defer { scratch.deallocate() }
        if scratchBytes > 0 { args.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: try memory(&scratchMD, scratch))) }
        let stream = try engine.makeStream()
        defer { dnnl_stream_destroy(stream) }
        try DNNLThreads.withCallerThreads {
            try dnnlCheck(dnnl_primitive_execute(primitive, stream, Int32(args.count), &args), "dnnl_primitive_execute(matmul)")
            try dnnlCheck(dnnl_stream_wait(stream), "dnnl_stream_wait")
        }
    }
}
