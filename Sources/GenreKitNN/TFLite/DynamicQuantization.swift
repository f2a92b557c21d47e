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
        for v in x { lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
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
        let z = Float(zero)
        for i in 0..<x.count {
            let r = z + (x[i] * inv).rounded()        // .rounded(): half away from zero, as std::round
            q[i] = Swift.min(127, Swift.max(-128, r))
        }
        return (s, zero)
    }
}
