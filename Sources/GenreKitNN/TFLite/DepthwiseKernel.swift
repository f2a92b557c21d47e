/// The loop shared by ``DepthwiseConv2D`` and ``HybridDepthwiseConv2D`` when the depth multiplier is 1, sixteen
/// channels at a time.
///
/// For every output position and channel `c`: `acc = initial[c]` (0 without `initial`), then `acc = acc + x · w` for
/// each in-bounds tap in row-major `(i, j)` order — one float32 rounding for the product and one for the sum, no fused
/// multiply-add, exactly the scalar loop's operations — then the epilogue:
///
///     float:   y = act(acc)
///     hybrid:  y = act((acc · scales[c]) · s_n + bias[c])      (s_n: image n's activation scale)
enum DepthwiseKernel {
    /// The hybrid epilogue's per-channel scales, per-image scales and bias.
    struct Hybrid {
        let scales: UnsafePointer<Float>
        let imageScales: UnsafePointer<Float>
        let bias: UnsafePointer<Float>
    }

    static func run(_ g: DepthwiseGeometry, x: UnsafePointer<Float>, filter: UnsafePointer<Float>, initial: UnsafePointer<Float>?,
                    hybrid: Hybrid?, activation: Activation, out: UnsafeMutablePointer<Float>) {
        precondition(g.multiplier == 1, "DepthwiseKernel: depth multiplier \(g.multiplier)")
        let cc = g.c
        typealias V = SIMD16<Float>
        let zero = V(repeating: 0)
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * Swift.max(g.kh * g.kw, 1)) { taps in
            for b in 0..<g.n {
                let s = hybrid.map { $0.imageScales[b] } ?? 1
                for oy in 0..<g.oh {
                    for ox in 0..<g.ow {
                        var t = 0
                        for i in 0..<g.kh {
                            let iy = oy * g.sh - g.pt + i
                            if iy < 0 || iy >= g.h { continue }
                            for j in 0..<g.kw {
                                let ix = ox * g.sw - g.pl + j
                                if ix < 0 || ix >= g.w { continue }
                                taps[2 * t] = (i * g.kw + j) * cc
                                taps[2 * t + 1] = ((b * g.h + iy) * g.w + ix) * cc
                                t += 1
                            }
                        }
                        let dst = out + ((b * g.oh + oy) * g.ow + ox) * cc
                        var c = 0
                        while c + 16 <= cc {
                            var acc = initial.map { load($0 + c) } ?? zero
                            for k in 0..<t { acc = acc + load(x + taps[2 * k + 1] + c) * load(filter + taps[2 * k] + c) }
                            UnsafeMutableRawPointer(dst + c).storeBytes(of: acc, as: V.self)
                            c += 16
                        }
                        while c < cc {
                            var acc: Float = initial?[c] ?? 0
                            for k in 0..<t { acc = acc + x[taps[2 * k + 1] + c] * filter[taps[2 * k] + c] }
                            dst[c] = acc
                            c += 1
                        }
                        // The epilogue as plain scalar loops (LLVM vectorises them; SIMD masks compile poorly).
                        if let h = hybrid {
                            for c in 0..<cc { dst[c] = (dst[c] * h.scales[c]) * s + h.bias[c] }
                        }
                        switch activation {
                        case .identity: break
                        case .relu: for c in 0..<cc { dst[c] = Swift.max(dst[c], 0) }
                        case .sigmoid: for c in 0..<cc { dst[c] = Activation.sigmoid(dst[c]) }
                        }
                    }
                }
            }
        }
    }
}
