import Foundation
import GenreKitCore

extension ConvMaxOverWidth {
    /// int8 through oneDNN's VNNI convolution (``DNNLConvolution``, space to depth): the input quantised once as
    /// ``im2col(_:bns:input:blockBudget:precision:activationScale:activationZeroPoint:)`` quantises it (scale
    /// `activationScale`, or `max |x| / 127` of `x`; zero point `activationZeroPoint` only with a given scale), each
    /// patch's int32 sums reduced over width by ``reduceInt8(_:shape:relu:bias:scale:shift:outScales:offsets:into:)``.
    /// The int32 sums are exact and the float formula is the im2col GEMM's, applied to the max (it is monotone), so
    /// the result equals im2col's bit for bit.
    static func onednnInt8(_ convs: [Conv2D], bns: [BatchNorm?], input x: Tensor, key: ConvPlan.Key, phases: [Int]?,
                           activationScale: Float?, activationZeroPoint: Int8) throws -> [Tensor] {
        let n = x.shape[0], h = x.shape[1], w = x.shape[2]
        var sa = activationScale ?? x.values.withUnsafeBufferPointer { LowPrecision.maxAbs($0.baseAddress!, count: $0.count) / 127 }
        if !(sa > 0) { sa = 1 }
        let zp: Int8 = activationScale == nil ? 0 : activationZeroPoint
        var xq = [Int8](repeating: 0, count: x.count)
        x.values.withUnsafeBufferPointer { xb in
            xq.withUnsafeMutableBufferPointer { q in
                if zp == 0 {
                    LowPrecision.toInt8(xb.baseAddress!, q.baseAddress!, count: xb.count, inverseScale: 1 / sa)
                } else {
                    LowPrecision.toInt8(xb.baseAddress!, q.baseAddress!, count: xb.count, inverseScale: 1 / sa, zeroPoint: zp)
                }
            }
        }
        var outs: [Tensor] = []
        for (i, conv) in convs.enumerated() {
            let p = key.convs[i], co = conv.outputChannels
            let base = DNNLConvolution.Shape(n: 1, h: h, w: w, kh: p[0], kw: p[1], co: co, padTop: p[3],
                                             padBottom: p[4], padLeft: p[5], padRight: p[6], precision: .int8)
            let shape = base.laidOut(phases.map { .init(phases: $0[i], channelMultiple: 16) } ?? DNNLConvolution.bestLayout(for: base))
            let prim = try DNNLConvolution.cached(shape)
            let wts = try prim.reorderedWeights(conv.weights)
            // As WeightGEMM's int8 GEMM: C = (Σ − z · Σ_k W_q) · s_w[o] · s_a.
            let outScales = conv.weights.quantized.scales.map { $0 * sa }
            let offsets = zp == 0 ? [Float](repeating: 0, count: co) : conv.weights.quantizedColumnSums.map { Float(Int32(zp) * $0) }
            let oh = shape.oh
            var out = Tensor(shape: [n, oh, co])
            let scale = bns[i]?.scale ?? [Float](repeating: 1, count: co)
            let shift = bns[i]?.shift ?? [Float](repeating: 0, count: co)
            let relu = conv.activation == .relu
            try xq.withUnsafeBufferPointer { qb in
                try out.values.withUnsafeMutableBufferPointer { ob in
                    try conv.bias.withUnsafeBufferPointer { bias in
                        try scale.withUnsafeBufferPointer { sc in
                            try shift.withUnsafeBufferPointer { sh in
                                try outScales.withUnsafeBufferPointer { os in
                                    try offsets.withUnsafeBufferPointer { of in
                                        nonisolated(unsafe) let q = qb.baseAddress!, o = ob.baseAddress!, bp = bias.baseAddress!
                                        nonisolated(unsafe) let sp = sc.baseAddress!, tp = sh.baseAddress!, osp = os.baseAddress!, ofp = of.baseAddress!
                                        @Sendable func patches(_ first: Int, _ step: Int) throws {
                                            let pool = ScratchPool.shared
                                            try pool.with(Int32.self, count: shape.outputCount) { z in
                                                try pool.with(Int8.self, count: shape.inputCount) { u in
                                                    for patch in stride(from: first, to: n, by: step) {
                                                        prim.spaceToDepthInput(q + patch * h * w, zeroPoint: zp, into: u)
                                                        try prim.run(x: u, weights: UnsafeRawPointer(wts.bytes),
                                                                     z: UnsafeMutableRawPointer(z).assumingMemoryBound(to: Float.self))
                                                        reduceInt8(z, shape: shape, relu: relu, bias: bp, scale: sp, shift: tp,
                                                                   outScales: osp, offsets: ofp, into: o + patch * oh * co)
                                                    }
                                                }
                                            }
                                        }
                                        try inPatchShares(n, patches)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            outs.append(out)
        }
        return outs
    }

    /// One patch's int32 sums `z[oh][⌈ow/p⌉][p·co]` (NHWC; channel `r·co + o` holds output position `p·q + r`) →
    /// `[oh, co]` rows of `bn(relu(v + b))`, `v = (max_w Σ − offset[o]) · outScale[o]` (`min_w` where the batch norm
    /// scale is negative). The last column holds real positions only in phases `r < ow − p·(⌈ow/p⌉ − 1)`.
    static func reduceInt8(_ z: UnsafePointer<Int32>, shape: DNNLConvolution.Shape, relu: Bool, bias: UnsafePointer<Float>,
                           scale s: UnsafePointer<Float>, shift t: UnsafePointer<Float>, outScales sp: UnsafePointer<Float>,
                           offsets op: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let oh = shape.oh, ow = shape.ow, co = shape.co, p = shape.phases, pc = p * co, owp = shape.phasedOW
        let lastReal = (ow - p * (owp - 1)) * co, realPhases = Swift.min(p, ow)
        let hi = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * pc), lo = hi + pc
        defer { hi.deallocate() }
        for r in 0..<oh {
            let row = z + r * owp * pc
            hi.update(from: row, count: pc)
            lo.update(from: row, count: pc)
            for q in 1..<Swift.max(owp, 1) {
                let v = row + q * pc
                for ch in 0..<(q == owp - 1 ? lastReal : pc) {
                    hi[ch] = Swift.max(hi[ch], v[ch])
                    lo[ch] = Swift.min(lo[ch], v[ch])
                }
            }
            let dst = out + r * co
            for o in 0..<co {
                var a = hi[o], b = lo[o]
                for c in 1..<Swift.max(realPhases, 1) {
                    a = Swift.max(a, hi[c * co + o])
                    b = Swift.min(b, lo[c * co + o])
                }
                dst[o] = (Float(s[o] < 0 ? b : a) - op[o]) * sp[o]
            }
            finishRow(dst, co: co, relu: relu, bias: bias, scale: s, shift: t)
        }
    }
}
