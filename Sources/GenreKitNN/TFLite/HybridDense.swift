/// A matrix product with int8 weights and float activations quantized on the fly: TensorFlow Lite's hybrid
/// `FULLY_CONNECTED` (`asymmetric_quantize_inputs`) and 1×1 stride-1 hybrid `CONV_2D`, reproduced bit for bit.
///
/// Weights `W[o, k]` are int8 with scale `w_o` (per output channel, or one for all). Each quantization group of
/// input rows (one row for a fully connected layer, one image for a convolution) is quantized with
/// ``DynamicQuantization/asymmetric(_:into:)`` to `q` with scale `s` and zero point `z`; then, for each row and
/// output `o`,
///
///     acc  = Σ_k W[o, k] · q[k] − z · Σ_k W[o, k]        (exact integer)
///     y[o] = act(float32(acc) · float32(s · w_o) + b[o])
///
/// The integer sum `Σ_k W[o, k] · q[k]` runs through oneDNN's int8 GEMM (``Int8GEMM``), exact; should oneDNN refuse,
/// through `cblas_sgemm` on the int8 values held as floats, where every partial sum is an integer of magnitude
/// ≤ 128 · 127 · K < 2²⁴ for `K ≤ 1032`, so it is exact in float32 whatever the BLAS kernel's order. Either way the
/// result is the same integer, and the epilogue (``HybridRescale``) the same float32 operations.
public struct HybridDense: Sendable {
    /// How input rows share a quantization scale.
    public enum Grouping: Sendable, Equatable {
        /// Each row on its own (`FULLY_CONNECTED`).
        case perRow
        /// `rows` consecutive rows together (one NHWC image of a convolution: `rows = H · W`).
        case perGroup(rows: Int)
    }

    public let inputUnits: Int
    public let outputUnits: Int
    /// `[K, O]` row-major, the int8 weights as floats (transposed for the GEMM; the fallback when oneDNN refuses).
    let weightKO: [Float]
    /// `[K, O]` row-major, the int8 weights (for ``Int8GEMM``).
    let weightKO8: [Int8]
    /// `Σ_k W[o, k]`.
    let rowSums: [Int32]
    /// `w_o` (count 1 or O).
    public let scales: [Float]
    /// `w_o` for every output channel (``scales`` repeated when per-tensor).
    let channelScales: [Float]
    public let bias: [Float]
    public let activation: Activation
    public let grouping: Grouping

    /// Largest `K` for which the float32 accumulation is exact.
    public static let maximumExactInputUnits = (1 << 24) / (128 * 127)

    /// `weights` `[O, K]` row-major (TensorFlow Lite's layout for both fully connected and 1×1 convolution filters).
    public init(weights: [Int8], outputUnits: Int, inputUnits: Int, scales: [Float], bias: [Float]?,
                activation: Activation, grouping: Grouping) {
        precondition(weights.count == outputUnits * inputUnits, "HybridDense: \(weights.count) weights for \(outputUnits)×\(inputUnits)")
        precondition(scales.count == 1 || scales.count == outputUnits, "HybridDense: \(scales.count) scales")
        precondition(inputUnits <= Self.maximumExactInputUnits, "HybridDense: K = \(inputUnits) too large for exact float accumulation")
        self.inputUnits = inputUnits
        self.outputUnits = outputUnits
        var t = [Float](repeating: 0, count: weights.count)
        var t8 = [Int8](repeating: 0, count: weights.count)
        var sums = [Int32](repeating: 0, count: outputUnits)
        for o in 0..<outputUnits {
            var s: Int32 = 0
            for k in 0..<inputUnits {
                let w = weights[o * inputUnits + k]
                t[k * outputUnits + o] = Float(w)
                t8[k * outputUnits + o] = w
                s += Int32(w)
            }
            sums[o] = s
        }
        weightKO = t
        weightKO8 = t8
        rowSums = sums
        self.scales = scales
        channelScales = scales.count == outputUnits ? scales : [Float](repeating: scales[0], count: outputUnits)
        self.bias = bias ?? [Float](repeating: 0, count: outputUnits)
        precondition(self.bias.count == outputUnits, "HybridDense: bias \(self.bias.count) vs \(outputUnits)")
        self.activation = activation
        self.grouping = grouping
    }

    /// `y` for `x` of shape `[…, K]`; the output has shape `[…, O]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == inputUnits, "HybridDense: input \(x.shape) vs K = \(inputUnits)")
        let rows = x.count / Swift.max(inputUnits, 1)
        return Tensor(shape: Array(x.shape.dropLast()) + [outputUnits]) { out in
            x.values.withUnsafeBufferPointer { xp in forward(xp.baseAddress!, rows: rows, into: out.baseAddress!) }
        }
    }

    /// Core routine over `rows` contiguous input rows.
    public func forward(_ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>) {
        let k = inputUnits, n = outputUnits
        if rows == 0 || n == 0 { return }
        let groupRows: Int
        switch grouping {
        case .perRow: groupRows = 1
        case .perGroup(let r): groupRows = r
        }
        precondition(rows % groupRows == 0, "HybridDense: \(rows) rows are not whole groups of \(groupRows)")
        let q8 = UnsafeMutablePointer<Int8>.allocate(capacity: rows * k)
        let acc = UnsafeMutablePointer<Int32>.allocate(capacity: rows * n)
        defer { q8.deallocate(); acc.deallocate() }
        var groupScale = [Float](repeating: 1, count: rows / groupRows)
        var groupZero = [Int32](repeating: 0, count: rows / groupRows)
        for g in 0..<(rows / groupRows) {
            let base = g * groupRows * k
            let (s, z) = DynamicQuantization.asymmetric(UnsafeBufferPointer(start: x + base, count: groupRows * k), intoInt8: q8 + base)
            groupScale[g] = s
            groupZero[g] = z
        }
        // Σ_k W[o, k] · q[k] exactly: int8 through oneDNN, else the int8 values as floats through BLAS.
        let exact = weightKO8.withUnsafeBufferPointer { w in
            Int8GEMM.multiply(m: rows, n: n, k: k, a: q8, b: w.baseAddress!, c: acc)
        }
        if !exact {
            let q = UnsafeMutablePointer<Float>.allocate(capacity: rows * k)
            defer { q.deallocate() }
            for i in 0..<(rows * k) { q[i] = Float(q8[i]) }
            weightKO.withUnsafeBufferPointer { w in
                GEMM.sgemm(m: rows, n: n, k: k, a: q, lda: k, b: w.baseAddress!, ldb: n, c: out, ldc: n)
            }
        }
        // acc = A[r, o] − z · Σ_k W[o, k]: A (|A| ≤ 128 · 127 · K) and z · Σ W are integers below 2²⁴ in magnitude (so exact floats) and the
        // float32 subtraction rounds their exact difference once, as float32(acc) does; then
        // y = act(float32(acc) · float32(s · w_o) + b[o]), the same operations in the same order, vectorised.
        let zw = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let mw = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { zw.deallocate(); mw.deallocate() }
        channelScales.withUnsafeBufferPointer { cs in
            rowSums.withUnsafeBufferPointer { rs in
                bias.withUnsafeBufferPointer { bp in
                    for g in 0..<(rows / groupRows) {
                        let s = groupScale[g], z = groupZero[g]
                        for o in 0..<n {
                            zw[o] = Float(z * rs[o])
                            mw[o] = s * cs[o]
                        }
                        for r in (g * groupRows)..<((g + 1) * groupRows) {
                            if exact {
                                HybridRescale.apply(acc + r * n, into: out + r * n, count: n, zeroTimesRowSums: zw, multipliers: mw,
                                                    bias: bp.baseAddress!, activation: activation)
                            } else {
                                HybridRescale.apply(out + r * n, count: n, zeroTimesRowSums: zw, multipliers: mw,
                                                    bias: bp.baseAddress!, activation: activation)
                            }
                        }
                    }
                }
            }
        }
    }
}
