import Foundation

extension ConvMaxOverWidth {
    /// One patch's blocked convolution output `z` (``DNNLConvolution``, `n = 1`) → `[oh, co]` rows of
    /// `bn(relu(max_w z + b))` (`min_w` where the batch norm scale is negative). With phases along the width, filter
    /// `o`'s row max is the max over its phases' channels `c·co + o` (the last column only where `p·q + c < ow`);
    /// along the height, primitive row `r'` holds rows `p·r' + c` in channels `c·co + o`.
    static func reduce(_ z: UnsafeMutablePointer<Float>, shape: DNNLConvolution.Shape, relu: Bool, bias: UnsafePointer<Float>,
                       scale s: UnsafePointer<Float>, shift t: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let oh = shape.oh, ow = shape.ow, co = shape.co, p = shape.phases, pc = shape.paddedChannels, cb = (p * co + 15) / 16
        let ohp = shape.phasedOH, owp = shape.phasedOW
        let mx = UnsafeMutablePointer<Float>.allocate(capacity: 2 * pc), mn = mx + pc
        defer { mx.deallocate() }
        if p > 1 && !shape.alongWidth {
            for rp in 0..<ohp {
                for blk in 0..<cb { maxMin(z + ((blk * ohp + rp) * ow) * 16, count: ow, max: mx + blk * 16, min: mn + blk * 16) }
                for c in 0..<p where p * rp + c < oh {
                    let dst = out + (p * rp + c) * co
                    for o in 0..<co { dst[o] = s[o] < 0 ? mn[c * co + o] : mx[c * co + o] }
                    finishRow(dst, co: co, relu: relu, bias: bias, scale: s, shift: t)
                }
            }
            return
        }
        // Phases along the width (or none): columns 0 ..< owp − 1 hold real outputs in every channel, the last one
        // only in phases c < ow − p·(owp − 1). Copying the previous column's value over the others' (duplicates do
        // not move a max or a min) makes the max/min over all owp columns the max/min over the real outputs.
        let lastPhases = ow - p * (owp - 1)
        let stale = owp > 1 && lastPhases < p ? Array((lastPhases * co)..<(p * co)) : []
        let realPhases = Swift.min(p, ow)
        for r in 0..<oh {
            for ch in stale {
                let row = z + (((ch / 16) * ohp + r) * owp) * 16 + ch % 16
                row[(owp - 1) * 16] = row[(owp - 2) * 16]
            }
            for blk in 0..<cb { maxMin(z + ((blk * ohp + r) * owp) * 16, count: owp, max: mx + blk * 16, min: mn + blk * 16) }
            let dst = out + r * co
            for o in 0..<co {
                var hi = mx[o], lo = mn[o]
                for c in 1..<Swift.max(realPhases, 1) {
                    let v = mx[c * co + o], u = mn[c * co + o]
                    hi = v >= hi ? v : hi
                    lo = u < lo ? u : lo
                }
                dst[o] = s[o] < 0 ? lo : hi
            }
            finishRow(dst, co: co, relu: relu, bias: bias, scale: s, shift: t)
        }
    }
}
