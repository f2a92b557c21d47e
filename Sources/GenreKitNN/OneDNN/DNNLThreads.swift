import Foundation
import GenreKitCore

/// oneDNN's thread count per call. Debian's oneDNN runs on OpenMP, whose team size is a per-thread setting
/// (`omp_set_num_threads`); callers that parallelise themselves (``BLASThreads/withSingleThread(_:)``, e.g. the
/// tagger running one chunk per core) get oneDNN on the calling thread only, as they get OpenBLAS.
///
/// The OpenMP functions are looked up at run time in the process (oneDNN loaded libgomp), so no link flag is
/// needed; without them oneDNN keeps its default.
public enum DNNLThreads {
    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias GetThreads = @convention(c) () -> Int32

    private static let set: SetThreads? = symbol("omp_set_num_threads")
    private static let get: GetThreads? = symbol("omp_get_max_threads")

    private static func symbol<T>(_ name: String) -> T? {
        guard let p = dlsym(dlopen(nil, RTLD_NOW), name) else { return nil }
        return unsafeBitCast(p, to: T.self)
    }

    /// The OpenMP team size oneDNN uses for a call from this thread now: 1 inside ``BLASThreads/withSingleThread(_:)``
    /// (see ``withCallerThreads(_:)``), else the thread's `omp_get_max_threads()` (0 when OpenMP is not loaded).
    static var callerThreads: Int {
        if BLASThreads.isSingleThreaded { return 1 }
        return Int(get?() ?? 0)
    }

    /// Runs `body` with oneDNN's OpenMP team limited to the calling thread when ``BLASThreads/isSingleThreaded``.
    static func withCallerThreads<R>(_ body: () throws -> R) rethrows -> R {
        guard BLASThreads.isSingleThreaded else { return try body() }
        return try withSingleThread(body)
    }

    /// Runs `body` with the calling thread's OpenMP team size (what oneDNN's primitives started from this thread
    /// use) set to one, then restores it. OpenMP keeps this setting per thread, so concurrent callers do not
    /// interfere.
    public static func withSingleThread<R>(_ body: () throws -> R) rethrows -> R {
        guard let set, let get else { return try body() }
        let saved = get()
        set(1)
        defer { set(saved) }
        return try body()
    }
}
