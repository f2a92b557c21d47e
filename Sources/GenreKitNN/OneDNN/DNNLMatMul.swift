import CDNNL
import Foundation

/// One oneDNN matmul primitive `C[m × n] = op(A)[m × k] · op(B)[k × n]` on row-major strided matrices (`lda`, `ldb`,
/// `ldc`), in one of three type combinations: f32·f32, bf16·bf16 and s8·s8, always with a float32 `C` (for s8,
/// the int32 sums converted to float; the caller scales them). `op(A) = Aᵀ` when ``Shape/transposeA`` (A stored
/// `k × m`, row stride `lda`), likewise for `B` (stored `n × k`); with ``Shape/accumulate`` the product is added to
/// `C` (`C ← C + op(A)·op(B)`, oneDNN's sum post-op, in float32).
///
/// Primitives are made once per shape (and per OpenMP team size, ``DNNLPrimitiveCache``) and kept for the process
/// (``cached(_:)``); creating one costs more than running a small one.
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
    private let primitive: DNNLPrimitive
    private let srcMD: dnnl_memory_desc_t, weiMD: dnnl_memory_desc_t, dstMD: dnnl_memory_desc_t
    /// oneDNN's implementation name (`dnnl_query_impl_info_str`), e.g. `brg:avx512_core_bf16`.
    public var implementation: String { primitive.implementation }

    private static let cache = DNNLPrimitiveCache<Shape, DNNLMatMul>()

    /// The process's primitive for `shape` and the calling thread's OpenMP team size (made on first use).
    public static func cached(_ shape: Shape) throws -> DNNLMatMul {
        try cache.primitive(shape) { try DNNLMatMul(shape) }
    }

    /// Implementations of every primitive made so far, with how many shapes each ran (for the benchmarks).
    public static var implementationsUsed: [String: Int] {
        var r: [String: Int] = [:]
        for p in cache.all { r["\(p.shape.precision.rawValue): \(p.implementation)", default: 0] += 1 }
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
        var src = try Self.md([s.m, s.k], s.transposeA ? [1, s.lda] : [s.lda, 1], srcT)
        var wei = try Self.md([s.k, s.n], s.transposeB ? [1, s.ldb] : [s.ldb, 1], weiT)
        var dst = try Self.md([s.m, s.n], [s.ldc, 1], dnnl_f32)
        (srcMD, weiMD, dstMD) = (src, wei, dst)
        var desc = dnnl_matmul_desc_t()
        try dnnlCheck(dnnl_matmul_desc_init(&desc, &src, &wei, nil, &dst), "dnnl_matmul_desc_init")
        let attr = try DNNLPrimitive.attributes(accumulate: s.accumulate)
        defer { dnnl_primitive_attr_destroy(attr) }
        var pd: dnnl_primitive_desc_t?
        try withUnsafePointer(to: &desc) { d in
            try dnnlCheck(dnnl_primitive_desc_create(&pd, UnsafeRawPointer(d), attr, engine.engine, nil),
                          "dnnl_primitive_desc_create(matmul \(s.precision.rawValue) \(s.m)×\(s.k)·\(s.k)×\(s.n))")
        }
        defer { dnnl_primitive_desc_destroy(pd) }
        primitive = try DNNLPrimitive(pd, name: "matmul")
    }

    private static func md(_ dims: [Int], _ strides: [Int], _ t: dnnl_data_type_t) throws -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        try DNNLPrimitive.withDims(dims) { d in
            try DNNLPrimitive.withDims(strides) { st in
                try dnnlCheck(dnnl_memory_desc_init_by_strides(&md, Int32(dims.count), d, t, st), "dnnl_memory_desc_init_by_strides")
            }
        }
        return md
    }

    /// Runs the product: `a` and `b` hold elements of the primitive's types (Float, bfloat16 bits as UInt16, Int8),
    /// `c` receives floats.
    /// Safe to call from several threads at once (scratch memory and stream per call); inside
    /// `BLASThreads.withSingleThread` it runs on the calling thread only (``DNNLThreads``).
    public func run(a: UnsafeRawPointer, b: UnsafeRawPointer, c: UnsafeMutablePointer<Float>) throws {
        try primitive.execute([(DNNL_ARG_SRC, srcMD, a), (DNNL_ARG_WEIGHTS, weiMD, b), (DNNL_ARG_DST, dstMD, UnsafeRawPointer(c))])
    }
}
