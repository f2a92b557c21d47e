import CDNNL
import Foundation

/// A failed oneDNN call: the function and oneDNN's status, in one line.
public struct DNNLError: Error, CustomStringConvertible, Sendable {
    /// The oneDNN function that failed.
    public let call: String
    /// oneDNN's `dnnl_status_t` value.
    public let status: Int

    public init(call: String, status: Int) {
        self.call = call
        self.status = status
    }

    public var description: String {
        "oneDNN: \(call) failed with status \(status) (\(Self.name(of: status))); run with ONEDNN_VERBOSE=1 to see which primitive it was"
    }

    static func name(of status: Int) -> String {
        switch status {
        case Int(dnnl_success.rawValue): return "success"
        case Int(dnnl_out_of_memory.rawValue): return "out of memory"
        case Int(dnnl_invalid_arguments.rawValue): return "invalid arguments"
        case Int(dnnl_unimplemented.rawValue): return "no implementation for these shapes and types on this CPU"
        case Int(dnnl_runtime_error.rawValue): return "runtime error"
        default: return "status \(status)"
        }
    }
}

/// Throws `DNNLError` unless `status` is `dnnl_success`.
@inline(__always)
public func dnnlCheck(_ status: dnnl_status_t, _ call: @autoclosure () -> String) throws {
    if status != dnnl_success { throw DNNLError(call: call(), status: Int(status.rawValue)) }
}

/// The process's one oneDNN CPU engine and its in-order stream, created on first use.
///
/// oneDNN primitives are created against an engine and executed on a stream; GenreKit runs every primitive on the
/// CPU engine 0 and waits for each stream before it reads results. Primitives may run concurrently on the same
/// stream handle only when the caller serialises them, so layers that run from several threads create their own
/// stream with `makeStream()`.
public final class DNNLEngine: @unchecked Sendable {
    /// The shared CPU engine, or `nil` (with the reason in `unavailableReason`) when oneDNN cannot create one.
    public static let shared: DNNLEngine? = try? DNNLEngine()

    /// Why `shared` is `nil`, for a one-line notice.
    public static var unavailableReason: String? {
        do { _ = try DNNLEngine(); return nil } catch { return "\(error)" }
    }

    public let engine: dnnl_engine_t
    /// A stream for callers that run on one thread at a time (serialised by `withStream`).
    private let stream: dnnl_stream_t
    private let lock = NSLock()

    init() throws {
        var engine: dnnl_engine_t?
        try dnnlCheck(dnnl_engine_create(&engine, dnnl_cpu, 0), "dnnl_engine_create(cpu)")
        var stream: dnnl_stream_t?
        try dnnlCheck(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "dnnl_stream_create")
        self.engine = engine!
        self.stream = stream!
    }

    deinit {
        dnnl_stream_destroy(stream)
        dnnl_engine_destroy(engine)
    }

    /// A new in-order stream on this engine; destroy it with `dnnl_stream_destroy`.
    public func makeStream() throws -> dnnl_stream_t {
        var stream: dnnl_stream_t?
        try dnnlCheck(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "dnnl_stream_create")
        return stream!
    }

    /// Runs `body` with the shared stream, one caller at a time.
    public func withStream<T>(_ body: (dnnl_stream_t) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(stream)
    }

    /// The instruction set oneDNN's CPU kernels use on this machine (`dnnl_get_effective_cpu_isa`), e.g.
    /// `avx512_core_bf16` — what `ONEDNN_VERBOSE` reports as the ISA.
    public static var effectiveISA: String {
        switch dnnl_get_effective_cpu_isa() {
        case dnnl_cpu_isa_sse41: return "sse41"
        case dnnl_cpu_isa_avx: return "avx"
        case dnnl_cpu_isa_avx2: return "avx2"
        case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni"
        case dnnl_cpu_isa_avx512_core: return "avx512_core"
        case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
        default: return "other (\(dnnl_get_effective_cpu_isa().rawValue))"
        }
    }

    /// oneDNN's version, `major.minor.patch`.
    public static var version: String {
        guard let v = dnnl_version()?.pointee else { return "unknown" }
        return "\(v.major).\(v.minor).\(v.patch)"
    }
}
