/// On-the-fly int8 quantization of float activations, as TensorFlow Lite's hybrid (dynamic-range) kernels do it
/// before an integer matrix product (`tensor_utils::AsymmetricQuantizeFloats`).
///
/// With `r_min = min(0, min x)`, `r_max = max(0, max x)` (float64):
///
///     s  = (r_max − r_min) / 255                              (stored as float32)
///     z  = the nudged zero point: −128 − r_min/s or 127 − r_max/s, whichever is exact-er, rounded, in [−128, 127]
///     q_i = clamp(z + round(x_i · float32(1/s)), −128, 127)   (float32 product, rounded half away from zero)
///
/// so that `x_i ≈ s · (q_i − z)`. All-zero input gives `q = 0`, `s = 1`, `z = 0`. The zero point is added after
/// rounding: rounding `z + x_i/s` instead differs when the float32 product lands exactly on a half (measured: it
/// flips about one activation in 10⁵ against the interpreter; this order matches it on every tensor of every test
/// signal).
public enum DynamicQuantization {
    /// Quantizes `x` into `q` (the int8 values stored as exact floats, ready for an exact float GEMM).
    @inlinable
    public static func asymmetric(_ x: UnsafeBufferPointer<Float>, into q: UnsafeMutablePointer<Float>) -> (scale: Float, zeroPoint: Int32) {
        var lo: Float = 0, hi: Float = 0
        var scanned = 0
        if let base = x.baseAddress, x.count >= 8 {
            var lo8 = SIMD8<Float>(repeating: 0), hi8 = SIMD8<Float>(repeating: 0)
            while scanned + 8 <= x.count {
                let v = UnsafeRawPointer(base + scanned).loadUnaligned(as: SIMD8<Float>.self)
                lo8.replace(with: v, where: v .< lo8)
                hi8.replace(with: v, where: v .> hi8)
                scanned += 8
            }
            for j in 0..<8 { lo = Swift.min(lo, lo8[j]); hi = Swift.max(hi, hi8[j]) }
        }
        for v in x[scanned...] { lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
        let rmin = Double(lo), rmax = Double(hi)
        if rmin == rmax {
            q.update(repeating: 0, count: x.count)
            return (1, 0)
        }
        let qmin = -128.0, qmax = 127.0
        let scale = (rmax - rmin) / (qmax - qmin)
        let fromMin = qmin - rmin / scale, fromMax = qmax - rmax / scale
        let errMin = abs(qmin) + abs(rmin / scale), errMax = abs(qmax) + abs(rmax / scale)
        let zd = errMin < errMax ? fromMin : fromMax
        let zero: Int32 = zd <= qmin ? -128 : (zd >= qmax ? 127 : Int32(zd.rounded()))
        let s = Float(scale)
        let inv = Float(1.0 / Double(s))
        let zi = Int32(zero)
        // Eight at a time: round half away from zero = round-half-even by the 2²³ trick (exact below 2²³), then
        // ties that went down go up; clamped, NaN → 0 — the same numbers as the scalar loop below.
        let n = x.count
        var start = 0
        if let base = x.baseAddress {
            let vinv = SIMD8<Float>(repeating: inv), vz = SIMD8<Float>(repeating: Float(zero))
            let magic = SIMD8<Float>(repeating: 0x1p23), lim = SIMD8<Float>(repeating: 1024)
            let lo8 = SIMD8<Float>(repeating: -128), hi8 = SIMD8<Float>(repeating: 127)
            while start + 8 <= n {
                var p = UnsafeRawPointer(base + start).loadUnaligned(as: SIMD8<Float>.self) * vinv
                p.replace(with: 0, where: p .!= p)
                p.replace(with: lim, where: p .> lim)
                p.replace(with: -lim, where: p .< -lim)
                let negative = p .< 0
                var t = p
                t.replace(with: -p, where: negative)
                var r = (t + magic) - magic
                r.replace(with: r + 1, where: t - r .== 0.5)
                r.replace(with: -r, where: negative)
                r += vz
                r.replace(with: lo8, where: r .< lo8)
                r.replace(with: hi8, where: r .> hi8)
                UnsafeMutableRawPointer(q + start).storeBytes(of: r, as: SIMD8<Float>.self)
                start += 8
            }
        }
        for i in start..<n {
            // round(p) half away from zero, as std::round: |p| + 0.5 is exact in Double and truncation floors it.
            // (|p| is clamped to 1024 first — anything past ±383 clamps to the int8 range anyway — and NaN maps to 0.)
            let p = x[i] * inv
            let c = p > 1024 ? 1024 : (p < -1024 ? -1024 : (p == p ? p : 0))
            let t = Int32(Double(c.magnitude) + 0.5)
            let r = zi &+ (c < 0 ? -t : t)
            q[i] = Float(r < -128 ? -128 : (r > 127 ? 127 : r))
        }
        return (s, zero)
    }
}
