/// The epilogue of a hybrid (int8 × int8 → int32) matrix product, over one output row, vectorised:
///
///     y[o] = act( (A[o] − zΣW[o]) · m[o] + b[o] )
///
/// where `A[o]` is the integer accumulator held as a float, `zΣW[o] = z · Σ_k W[o, k]` (an exact float), and
/// `m[o] = float32(s · w_o)`. Each operation rounds once, in this order (no fused multiply-add), so every lane
/// gives the bits of the scalar formula.
enum HybridRescale {
    /// Rewrites `row[0..<count]` in place.
    @inline(__always)
    static func apply(_ row: UnsafeMutablePointer<Float>, count n: Int, zeroTimesRowSums zw: UnsafePointer<Float>,
                      multipliers mw: UnsafePointer<Float>, bias b: UnsafePointer<Float>, activation: Activation) {
        // Plain scalar loops: LLVM vectorises them (SIMD masks compile poorly).
        for o in 0..<n { row[o] = (row[o] - zw[o]) * mw[o] + b[o] }
        switch activation {
        case .identity: break
        case .relu: for o in 0..<n { row[o] = Swift.max(row[o], 0) }
        case .sigmoid: for o in 0..<n { row[o] = Activation.sigmoid(row[o]) }
        }
    }

    /// The same, reading the accumulators `A[o]` as int32 (exact as floats: `|A| < 2²⁴`) and writing `row`.
    @inline(__always)
    static func apply(_ acc: UnsafePointer<Int32>, into row: UnsafeMutablePointer<Float>, count n: Int,
                      zeroTimesRowSums zw: UnsafePointer<Float>, multipliers mw: UnsafePointer<Float>, bias b: UnsafePointer<Float>,
                      activation: Activation) {
        for o in 0..<n { row[o] = (Float(acc[o]) - zw[o]) * mw[o] + b[o] }
        switch activation {
        case .identity: break
        case .relu: for o in 0..<n { row[o] = Swift.max(row[o], 0) }
        case .sigmoid: for o in 0..<n { row[o] = Activation.sigmoid(row[o]) }
        }
    }
}
