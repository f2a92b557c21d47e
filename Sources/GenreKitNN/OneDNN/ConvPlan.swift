import Foundation

/// Which method runs a group of single-channel convolutions followed by a max over width (``ConvMaxOverWidth``):
/// im2col + a weight GEMM (``WeightGEMM``), or oneDNN's direct convolution (``DNNLConvolution``). Decided by
/// timing both on the first call with that group's shapes (on its first patches) and kept: for the rest of the
/// process, so one layer always runs the same kernel, and for later processes on this machine (``KernelPlanStore``).
///
/// `GENREKIT_CONV=im2col|onednn` forces one method for every group (tests, benchmarks).
public enum ConvPlan {
    public enum Method: String, Sendable { case im2col, onednn }

    /// The shapes a decision holds for: input height and width, precision, each convolution's
    /// `[kh, kw, co, padTop, padBottom, padLeft, padRight]`, and whether the call runs on one thread (inside
    /// `BLASThreads.withSingleThread`, as the tagger runs its chunks) or on all cores: the faster method differs.
    public struct Key: Hashable, Sendable, CustomStringConvertible {
        public var h: Int, w: Int
        public var precision: InferencePrecision
        public var convs: [[Int]]
        public var singleThreaded: Bool

        /// The key in ``KernelPlanStore``.
        /// (Keys say `laid out`, and bf16 keys `bf16 folded`: decisions measured before oneDNN's convolution chose a
        /// layout (output phases and channel rounding, ``DNNLConvolution/Layout``), or before bf16 folded its taps into
        /// two channels, are measured again.)
        var stored: String {
            "conv laid out \(precision == .bf16 ? "bf16 folded" : precision.rawValue) \(singleThreaded ? "1 thread" : "all cores") \(h)x\(w) " + convs.map { $0.map(String.init).joined(separator: ",") }.joined(separator: " ")
        }

        public var description: String {
            convs.map { "\($0[0])×\($0[1])→\($0[2])" }.joined(separator: "+") + " on \(h)×\(w) \(precision.rawValue)"
                + (singleThreaded ? ", 1 thread" : ", all cores")
        }
    }

    /// One measured decision: seconds per call of each method on the measured patches.
    public struct Decision: Sendable {
        public let key: Key
        public let method: Method
        public let im2colSeconds: Double
        public let onednnSeconds: Double?
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var decided: [Key: Decision] = [:]

    /// The method forced by `GENREKIT_CONV`, if any.
    public static let forced: Method? = {
        guard let v = ProcessInfo.processInfo.environment["GENREKIT_CONV"]?.lowercased() else { return nil }
        return Method(rawValue: v)
    }()

    /// Every decision so far, for the benchmarks.
    public static var decisions: [Decision] {
        lock.lock(); defer { lock.unlock() }
        return decided.values.sorted { $0.key.description < $1.key.description }
    }

    static func method(for key: Key) -> Method? {
        if DNNLEngine.shared == nil { return .im2col }
        if let forced { return forced }
        lock.lock(); defer { lock.unlock() }
        if let d = decided[key] { return d.method }
        if let e = KernelPlanStore.lookup(key.stored), let m = Method(rawValue: e.choice) {
            decided[key] = Decision(key: key, method: m, im2colSeconds: e.seconds[Method.im2col.rawValue] ?? 0,
                                    onednnSeconds: e.seconds[Method.onednn.rawValue])
            return m
        }
        return nil
    }

    /// Failures of oneDNN's convolution after the plan chose it, for the benchmarks: the key and oneDNN's message.
    public static var failures: [(key: Key, message: String)] {
        lock.lock(); defer { lock.unlock() }
        return failed
    }
    nonisolated(unsafe) private static var failed: [(key: Key, message: String)] = []

    /// oneDNN's convolution failed for `key` after the plan chose it: this process runs im2col for it from now on
    /// (the kept plan file is left alone: the failure may be transient, e.g. memory), the failure is listed in
    /// ``failures``, and `GENREKIT_DEBUG_GEMM=1` prints it.
    static func fellBack(_ key: Key, _ error: Error) {
        lock.lock()
        let old = decided[key]
        decided[key] = Decision(key: key, method: .im2col, im2colSeconds: old?.im2colSeconds ?? 0, onednnSeconds: old?.onednnSeconds)
        failed.append((key, "\(error)"))
        lock.unlock()
        if ProcessInfo.processInfo.environment["GENREKIT_DEBUG_GEMM"] != nil {
            FileHandle.standardError.write(Data("front end \(key): oneDNN's convolution failed, running im2col + GEMM: \(error)\n".utf8))
        }
    }

    /// Records a measured decision (`onednn` nil: oneDNN could not run the group). The first decision for a key
    /// wins, so concurrent first calls agree afterwards. oneDNN must win clearly: a tie keeps im2col.
    static func decide(_ key: Key, im2col: Double, onednn: Double?) -> Method {
        lock.lock(); defer { lock.unlock() }
        if let d = decided[key] { return d.method }
        let m: Method = onednn.map { $0 < 0.95 * im2col } == true ? .onednn : .im2col
        decided[key] = Decision(key: key, method: m, im2colSeconds: im2col, onednnSeconds: onednn)
        var seconds = [Method.im2col.rawValue: im2col]
        seconds[Method.onednn.rawValue] = onednn
        KernelPlanStore.record(key.stored, .init(choice: m.rawValue, seconds: seconds))
        return m
    }
}
