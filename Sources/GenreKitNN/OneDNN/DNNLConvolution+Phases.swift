import CDNNL
import Foundation
import GenreKitCore

extension DNNLConvolution {
    /// Phase counts worth timing for `base` (its `phases` ignored): 1, and each `p ≤ 6` that leaves at least two
    /// outputs per phase and does less lane work per output than no phases, the work per output being
    /// `16·⌈p·co/16⌉ · (k + p − 1) / p` with `k` the taps along the longer axis (``Shape/phases``).
    /// int8 (space to depth, width-long kernels only): 4 and 8 where there is an output per phase.
    public static func phaseCandidates(_ base: Shape) -> [Int] {
        let k = base.alongWidth ? base.kw : base.kh, o = base.alongWidth ? base.ow : base.oh
        if base.precision == .int8 {
            return base.alongWidth ? [Shape.int8Group, 2 * Shape.int8Group].filter { o >= $0 } : []
        }
        func work(_ p: Int) -> Double { Double((p * base.co + 15) / 16 * 16) * Double(k + p - 1) / Double(p) }
        return [1] + (2...6).filter { p in o >= 2 * p && work(p) < 0.97 * work(1) }
    }

    private static let chosenPhases = Locked<[Shape: Int]>([:])

    /// The fastest phase count for `base` (its `phases` ignored) on this machine: each of ``phaseCandidates(_:)``
    /// timed on one patch of zeros, one thread (as the front end runs a patch), one untimed run and three timed
    /// ones, the best kept; the choice is kept for the process and in ``KernelPlanStore``. A candidate oneDNN cannot
    /// run fast (only its reference kernel) is skipped; 1 when none can.
    public static func bestPhases(for base: Shape) -> Int {
        var b = base
        b.phases = 1
        b.n = 1
        if let p = chosenPhases.value[b] { return p }
        let stored = "conv phases \(b.precision.rawValue) \(b.h)x\(b.w) " +
            [b.kh, b.kw, b.co, b.padTop, b.padBottom, b.padLeft, b.padRight].map(String.init).joined(separator: ",")
        if let e = KernelPlanStore.lookup(stored), let p = Int(e.choice), p >= 1 {
            chosenPhases.withLock { $0[b] = p }
            return p
        }
        var seconds: [Int: Double] = [:]
        BLASThreads.withSingleThread {
            for p in phaseCandidates(b) {
                var s = b
                s.phases = p
                guard let prim = try? cached(s), let t = try? prim.secondsPerRun() else { continue }
                seconds[p] = t
            }
        }
        let best = seconds.min { $0.value < $1.value || ($0.value == $1.value && $0.key < $1.key) }?.key
            ?? phaseCandidates(b).first ?? 1
        let chosen = chosenPhases.withLock { c in
            if let p = c[b] { return p }
            c[b] = best
            return best
        }
        if chosen == best, !seconds.isEmpty {
            KernelPlanStore.record(stored, .init(choice: String(best), seconds: Dictionary(uniqueKeysWithValues: seconds.map { ("\($0.key) phases", $0.value) })))
        }
        return chosen
    }

    /// Best of three timed runs (after one untimed) on zero input and zero weights (the time does not depend on
    /// the values).
    func secondsPerRun() throws -> Double {
        var w = weiMD
        let weights = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(dnnl_memory_desc_get_size(&w), 64), alignment: 64)
        let element = shape.precision == .bf16 ? 2 : shape.precision == .int8 ? 1 : 4
        let x = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(shape.inputCount * element, 64), alignment: 64)
        let z = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(shape.outputCount, 16))
        defer { weights.deallocate(); x.deallocate(); z.deallocate() }
        weights.initializeMemory(as: UInt8.self, repeating: 0, count: dnnl_memory_desc_get_size(&w))
        x.initializeMemory(as: UInt8.self, repeating: 0, count: shape.inputCount * element)
        var best = Double.infinity
        for rep in 0..<4 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try run(x: x, weights: UnsafeRawPointer(weights), z: z)
            if rep > 0 { best = Swift.min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9) }
        }
        return best
    }
}
