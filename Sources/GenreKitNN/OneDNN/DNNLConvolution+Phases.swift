import CDNNL
import Foundation
import GenreKitCore

extension DNNLConvolution.Shape {
    /// This shape with `layout`'s phases and channel multiple.
    public func laidOut(_ layout: DNNLConvolution.Layout) -> Self {
        var s = self
        (s.phases, s.channelMultiple) = (layout.phases, layout.channelMultiple)
        return s
    }
}

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

    private static let chosenLayouts = Locked<[Shape: Layout]>([:])

    /// How a convolution runs in oneDNN: ``Shape/phases`` and ``Shape/channelMultiple``.
    public struct Layout: Hashable, Sendable {
        public var phases: Int
        public var channelMultiple: Int
        /// The plan file's name for it: `3`, or `3x64` with channels rounded up to 64.
        var stored: String { channelMultiple == 16 ? String(phases) : "\(phases)x\(channelMultiple)" }
        public init(phases: Int, channelMultiple: Int) { (self.phases, self.channelMultiple) = (phases, channelMultiple) }
        init?(stored: String) {
            let parts = stored.split(separator: "x").compactMap { Int($0) }
            guard (1...2).contains(parts.count), parts[0] >= 1 else { return nil }
            self.init(phases: parts[0], channelMultiple: parts.count == 2 ? parts[1] : 16)
        }
    }

    /// The layouts worth timing for `base`: each of ``phaseCandidates(_:)`` with channels rounded up to 16, and for
    /// bf16 also to 64 where that adds channels.
    static func layoutCandidates(_ base: Shape) -> [Layout] {
        phaseCandidates(base).flatMap { p -> [Layout] in
            let c = p * base.co
            let padded = base.precision == .bf16 && (c + 63) / 64 * 64 != (c + 15) / 16 * 16
            return [Layout(phases: p, channelMultiple: 16)] + (padded ? [Layout(phases: p, channelMultiple: 64)] : [])
        }
    }

    /// The fastest layout for `base` (its `phases` and `channelMultiple` ignored) on this machine: each of
    /// ``layoutCandidates(_:)`` timed on one patch of zeros, one thread (as the front end runs a patch), one untimed
    /// run and three timed ones, the best kept; the choice is kept for the process and in ``KernelPlanStore``. A
    /// candidate oneDNN cannot run fast (only its reference kernel) is skipped.
    public static func bestLayout(for base: Shape) -> Layout {
        var b = base
        (b.phases, b.channelMultiple, b.n) = (1, 16, 1)
        if let l = chosenLayouts.value[b] { return l }
        let stored = "conv layout \(b.precision.rawValue) \(b.h)x\(b.w) " +
            [b.kh, b.kw, b.co, b.padTop, b.padBottom, b.padLeft, b.padRight].map(String.init).joined(separator: ",")
        if let e = KernelPlanStore.lookup(stored), let l = Layout(stored: e.choice) {
            chosenLayouts.withLock { $0[b] = l }
            return l
        }
        var seconds: [Layout: Double] = [:]
        let candidates = layoutCandidates(b)
        BLASThreads.withSingleThread {
            for l in candidates {
                guard let prim = try? cached(b.laidOut(l)), let t = try? prim.secondsPerRun() else { continue }
                seconds[l] = t
            }
        }
        // Ties (and nothing measured) go to the earlier candidate: fewer phases, fewer channels.
        let best = candidates.filter { seconds[$0] != nil }.min { seconds[$0]! < seconds[$1]! }
            ?? candidates.first ?? Layout(phases: 1, channelMultiple: 16)
        let chosen = chosenLayouts.withLock { c in
            if let l = c[b] { return l }
            c[b] = best
            return best
        }
        if chosen == best, !seconds.isEmpty {
            KernelPlanStore.record(stored, .init(choice: best.stored, seconds: Dictionary(uniqueKeysWithValues: seconds.map { ($0.key.stored, $0.value) })))
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
