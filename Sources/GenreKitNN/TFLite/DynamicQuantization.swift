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
        let (lo, hi) = range(x)
        guard let (s, zero, inv) = parameters(lo: lo, hi: hi) else {
            q.update(repeating: 0, count: x.count)
            return (1, 0)
        }
        let zf = Float(zero)
        if let base = x.baseAddress {
            for i in 0..<x.count { q[i] = quantized(base[i], inverse: inv, zeroPoint: zf) }
        }
        return (s, zero)
    }

    /// Quantizes `x` into `q` as int8 (for an int8 GEMM); the same numbers as ``asymmetric(_:into:)``.
    @inlinable
    public static func asymmetric(_ x: UnsafeBufferPointer<Float>, intoInt8 q: UnsafeMutablePointer<Int8>) -> (scale: Float, zeroPoint: Int32) {
        let (lo, hi) = range(x)
        guard let (s, zero, inv) = parameters(lo: lo, hi: hi) else {
            q.update(repeating: 0, count: x.count)
            return (1, 0)
        }
        if let base = x.baseAddress {
            LowPrecision.toInt8(base, q, count: x.count, inverseScale: inv, zeroPoint: Int8(zero))
        }
        return (s, zero)
    }

    /// `(min(0, min x), max(0, max x))`; NaN ignored.
    @inlinable
    static func range(_ x: UnsafeBufferPointer<Float>) -> (Float, Float) {
        // Eight running minima and maxima (NaN never replaces one), written as scalars so that LLVM vectorises them.
        var l0: Float = 0, l1: Float = 0, l2: Float = 0, l3: Float = 0, l4: Float = 0, l5: Float = 0, l6: Float = 0, l7: Float = 0
        var h0: Float = 0, h1: Float = 0, h2: Float = 0, h3: Float = 0, h4: Float = 0, h5: Float = 0, h6: Float = 0, h7: Float = 0
        var scanned = 0
        if let b = x.baseAddress {
            while scanned + 8 <= x.count {
                let v0 = b[scanned], v1 = b[scanned + 1], v2 = b[scanned + 2], v3 = b[scanned + 3]
                let v4 = b[scanned + 4], v5 = b[scanned + 5], v6 = b[scanned + 6], v7 = b[scanned + 7]
                l0 = v0 < l0 ? v0 : l0; l1 = v1 < l1 ? v1 : l1; l2 = v2 < l2 ? v2 : l2; l3 = v3 < l3 ? v3 : l3
                l4 = v4 < l4 ? v4 : l4; l5 = v5 < l5 ? v5 : l5; l6 = v6 < l6 ? v6 : l6; l7 = v7 < l7 ? v7 : l7
                h0 = v0 > h0 ? v0 : h0; h1 = v1 > h1 ? v1 : h1; h2 = v2 > h2 ? v2 : h2; h3 = v3 > h3 ? v3 : h3
                h4 = v4 > h4 ? v4 : h4; h5 = v5 > h5 ? v5 : h5; h6 = v6 > h6 ? v6 : h6; h7 = v7 > h7 ? v7 : h7
                scanned += 8
            }
        }
        var lo = Swift.min(Swift.min(Swift.min(l0, l1), Swift.min(l2, l3)), Swift.min(Swift.min(l4, l5), Swift.min(l6, l7)))
        var hi = Swift.max(Swift.max(Swift.max(h0, h1), Swift.max(h2, h3)), Swift.max(Swift.max(h4, h5), Swift.max(h6, h7)))
        for v in x[scanned...] { lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
        return (lo, hi)
    }

    /// Scale, nudged zero point and `float32(1/s)` for the range `[lo, hi]`; nil when `lo == hi` (all zero).
    @inlinable
    static func parameters(lo: Float, hi: Float) -> (scale: Float, zeroPoint: Int32, inverse: Float)? {
        let rmin = Double(lo), rmax = Double(hi)
        if rmin == rmax { return nil }
        let qmin = -128.0, qmax = 127.0
        let scale = (rmax - rmin) / (qmax - qmin)
        let fromMin = qmin - rmin / scale, fromMax = qmax - rmax / scale
        let errMin = abs(qmin) + abs(rmin / scale), errMax = abs(qmax) + abs(rmax / scale)
        let zd = errMin < errMax ? fromMin : fromMax
        let zero: Int32 = zd <= qmin ? -128 : (zd >= qmax ? 127 : Int32(zd.rounded()))
        let s = Float(scale)
        return (s, zero, Float(1.0 / Double(s)))
    }

    /// `clamp(z + round(x · inv), −128, 127)` as a float. Round half away from zero = round-half-even by the 2²³
    /// trick (exact below 2²³), then ties that went down go up; `|x · inv|` clamped to 1024 first (anything past ±383
    /// clamps to the int8 range anyway), NaN → 0. Scalar selects only, so that LLVM vectorises the loops using it.
    @inlinable @inline(__always)
    static func quantized(_ x: Float, inverse inv: Float, zeroPoint zf: Float) -> Float {
        var p = x * inv
        p = p == p ? p : 0
        p = p > 1024 ? 1024 : p
        p = p < -1024 ? -1024 : p
        let t = p.magnitude
        var r = (t + 0x1p23) - 0x1p23
        r = t - r == 0.5 ? r + 1 : r
        r = p < 0 ? -r : r
        r += zf
        r = r < -128 ? -128 : r
        return r > 127 ? 127 : r
    }
}
