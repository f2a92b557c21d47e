import CBLAS
import Foundation
import GenreKitCore

/// The kernel choices ``GEMMPlan`` and ``ConvPlan`` measured on this machine, kept in a small JSON file so that later
/// processes start with them instead of timing every layer shape again (about 0.2 s of a one-shot `genrekit tag`
/// on a 2-core machine). One process still runs one kernel per layer for its whole life; with the file, every
/// process on the machine runs the same ones, so their results agree to the bit.
///
/// The file is `$GENREKIT_KERNEL_PLAN`, else `~/.cache/genrekit/kernel-plan.json`; `GENREKIT_KERNEL_PLAN=off` keeps
/// choices per process (measured in each). Entries are kept per machine (CPU model, core count, oneDNN version and
/// ISA, OpenBLAS core) and used only on that machine; deleting the file makes the next process measure again.
public enum KernelPlanStore {
    /// One measured choice: the winning method's name and each candidate's seconds, as measured.
    public struct Entry: Codable, Sendable, Equatable {
        public var choice: String
        public var seconds: [String: Double]
    }

    /// The file: each machine's entries (a home directory may be shared by machines, and `OPENBLAS_CORETYPE`
    /// makes another "machine" of the same CPU).
    struct Contents: Codable {
        var machines: [String: [String: Entry]]
    }

    /// The file, or `nil` when persistence is off.
    public static let path: String? = {
        let env = ProcessInfo.processInfo.environment
        if let p = env["GENREKIT_KERNEL_PLAN"] {
            if p.isEmpty || p.lowercased() == "off" { return nil }
            return (p as NSString).expandingTildeInPath
        }
        let home = env["HOME"] ?? NSHomeDirectory()
        guard !home.isEmpty else { return nil }
        return home + "/.cache/genrekit/kernel-plan.json"
    }()

    /// What identifies this machine's kernels.
    public static let machine: String = {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        let dnnl = DNNLEngine.shared == nil ? "no oneDNN" : "oneDNN \(DNNLEngine.version) \(DNNLEngine.effectiveISA)"
        return "\(model); \(ProcessInfo.processInfo.activeProcessorCount) cores; \(dnnl); OpenBLAS \(core)"
    }()

    private static let state = Locked<[String: Entry]?>(nil)

    /// The stored choice for `key`, if this machine has one.
    public static func lookup(_ key: String) -> Entry? {
        state.withLock { s in
            if s == nil { s = read(at: path) }
            return s?[key]
        }
    }

    /// Keeps `entry` for `key`: in this process, and in the file (merged with what other processes wrote since).
    public static func record(_ key: String, _ entry: Entry) {
        state.withLock { s in
            var all = readAll(at: path)
            all[machine, default: [:]][key] = entry
            s = (s ?? [:]).merging(all[machine]!) { _, new in new }
            write(all, to: path)
        }
    }

    /// The entries of the file at `path` for `machine` (none when the file is missing or unreadable).
    static func read(at path: String?, machine: String = KernelPlanStore.machine) -> [String: Entry] {
        readAll(at: path)[machine] ?? [:]
    }

    static func readAll(at path: String?) -> [String: [String: Entry]] {
        guard let path, let data = FileManager.default.contents(atPath: path),
              let c = try? JSONDecoder().decode(Contents.self, from: data) else { return [:] }
        return c.machines
    }

    /// Writes every machine's entries atomically (a temporary file renamed over the old one); a failure only costs
    /// measuring again later.
    static func write(_ machines: [String: [String: Entry]], to path: String?) {
        guard let path else { return }
        let dir = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        guard let data = try? encoder.encode(Contents(machines: machines)) else { return }
        let tmp = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: data) else { return }
        if rename(tmp, path) != 0 { unlink(tmp) }
    }
}
