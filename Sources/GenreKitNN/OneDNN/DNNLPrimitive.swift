import CDNNL
import Foundation

/// A created oneDNN primitive and what each of its calls needs: GenreKit's primitives are made with user-managed
/// scratch memory and run on a stream of their own per call, so one primitive may run on several threads at once;
/// inside `BLASThreads.withSingleThread` a call runs on the calling thread only (``DNNLThreads``).
final class DNNLPrimitive: @unchecked Sendable {
    /// oneDNN's implementation name (`dnnl_query_impl_info_str`), e.g. `brg:avx512_core_bf16`.
    let implementation: String
    private let primitive: dnnl_primitive_t
    private let scratchMD: dnnl_memory_desc_t
    private let scratchBytes: Int
    private let name: String

    /// Attributes with user-managed scratch memory, plus oneDNN's sum post-op (`dst ← dst + result`) when
    /// `accumulate`; the caller destroys them.
    static func attributes(accumulate: Bool = false) throws -> dnnl_primitive_attr_t? {
        var attr: dnnl_primitive_attr_t?
        try dnnlCheck(dnnl_primitive_attr_create(&attr), "dnnl_primitive_attr_create")
        try dnnlCheck(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "dnnl_primitive_attr_set_scratchpad_mode")
        if accumulate {
            var ops: dnnl_post_ops_t?
            try dnnlCheck(dnnl_post_ops_create(&ops), "dnnl_post_ops_create")
            defer { dnnl_post_ops_destroy(ops) }
            try dnnlCheck(dnnl_post_ops_append_sum(ops, 1), "dnnl_post_ops_append_sum")
            try dnnlCheck(dnnl_primitive_attr_set_post_ops(attr, ops), "dnnl_primitive_attr_set_post_ops")
        }
        return attr
    }

    /// Creates the primitive of `pd` (made with ``attributes(accumulate:)``); `name` goes into error messages.
    init(_ pd: dnnl_primitive_desc_t?, name: String) throws {
        self.name = name
        var info: UnsafePointer<CChar>?
        withUnsafeMutablePointer(to: &info) { p in
            _ = dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, UnsafeMutableRawPointer(p))
        }
        implementation = info.map { String(cString: $0) } ?? "unknown"
        if let sp = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0) {
            scratchMD = sp.pointee
            scratchBytes = dnnl_memory_desc_get_size(sp)
        } else {
            scratchMD = dnnl_memory_desc_t()
            scratchBytes = 0
        }
        var prim: dnnl_primitive_t?
        try dnnlCheck(dnnl_primitive_create(&prim, pd), "dnnl_primitive_create(\(name))")
        primitive = prim!
    }

    deinit { dnnl_primitive_destroy(primitive) }

    /// Runs the primitive on the caller's buffers: each argument (`DNNL_ARG_SRC`, …) with its memory descriptor and
    /// data; scratch memory is added here.
    func execute(_ buffers: [(arg: Int32, md: dnnl_memory_desc_t, data: UnsafeRawPointer)]) throws {
        guard let engine = DNNLEngine.shared else { return }
        var mems: [dnnl_memory_t?] = []
        defer { for m in mems { dnnl_memory_destroy(m) } }
        func memory(_ md: dnnl_memory_desc_t, _ p: UnsafeRawPointer) throws -> dnnl_memory_t {
            var md = md
            var m: dnnl_memory_t?
            try dnnlCheck(dnnl_memory_create(&m, &md, engine.engine, UnsafeMutableRawPointer(mutating: p)), "dnnl_memory_create")
            mems.append(m)
            return m!
        }
        var args = try buffers.map { dnnl_exec_arg_t(arg: $0.arg, memory: try memory($0.md, $0.data)) }
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(scratchBytes, 64), alignment: 64)
        defer { scratch.deallocate() }
        if scratchBytes > 0 { args.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: try memory(scratchMD, scratch))) }
        let stream = try engine.makeStream()
        defer { dnnl_stream_destroy(stream) }
        try DNNLThreads.withCallerThreads {
            try dnnlCheck(dnnl_primitive_execute(primitive, stream, Int32(args.count), &args), "dnnl_primitive_execute(\(name))")
            try dnnlCheck(dnnl_stream_wait(stream), "dnnl_stream_wait")
        }
    }

    /// oneDNN's fixed-size dimension array holding `values`.
    static func dims(_ values: [Int]) -> dnnl_dims_t {
        var d: dnnl_dims_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &d) { b in for (i, v) in values.enumerated() { b.storeBytes(of: Int64(v), toByteOffset: 8 * i, as: Int64.self) } }
        return d
    }

    /// Runs `body` with a pointer to the first element of `dims`, as oneDNN's C functions take it.
    static func withDims<R>(_ values: [Int], _ body: (UnsafePointer<Int64>) throws -> R) rethrows -> R {
        try withUnsafePointer(to: dims(values)) { try body(UnsafeRawPointer($0).assumingMemoryBound(to: Int64.self)) }
    }
}

/// The process's primitives of one kind, each made on first use of its shape and kept (making one costs more than
/// running a small one).
///
/// A primitive is kept per shape *and* per OpenMP team size it was made for: oneDNN fixes a primitive's thread
/// count when it makes it (`dnnl_get_max_threads()` then; its kernels split their work that many ways and run that
/// many threads whatever the caller's setting later), so one made on a thread with the default team size and run
/// inside `BLASThreads.withSingleThread` would start a second thread on every call, two per core when the tagger
/// runs a chunk per core. Each primitive is made as it will run (``DNNLThreads/withCallerThreads(_:)``).
final class DNNLPrimitiveCache<Shape: Hashable, Primitive>: @unchecked Sendable {
    private struct Key: Hashable {
        let shape: Shape
        let threads: Int
    }
    private let lock = NSLock()
    private var entries: [Key: Primitive] = [:]

    /// The primitive for `shape` and the calling thread's team size (``DNNLThreads/callerThreads``), made by `make`
    /// with that team size the first time.
    func primitive(_ shape: Shape, _ make: () throws -> Primitive) rethrows -> Primitive {
        let key = Key(shape: shape, threads: DNNLThreads.callerThreads)
        lock.lock(); defer { lock.unlock() }
        if let p = entries[key] { return p }
        let p = try DNNLThreads.withCallerThreads(make)
        entries[key] = p
        return p
    }

    /// One primitive per shape made so far (of any team size).
    var all: [Primitive] {
        lock.lock(); defer { lock.unlock() }
        var seen = Set<Shape>()
        return entries.sorted { $0.key.threads < $1.key.threads }.compactMap { seen.insert($0.key.shape).inserted ? $0.value : nil }
    }
}
