import Foundation

/// A layer's weight matrix `W[k, n]` (row-major) in every precision a GEMM may run it in: the float32 values,
/// and, made on first use and kept, their bfloat16 rounding and their per-output-channel int8 quantisation
/// `w_q[k, n] = round(W[k, n] / s[n])`, `s[n] = max_k |W[k, n]| / 127` (1 for an all-zero column).
public final class GEMMWeights: @unchecked Sendable {
    public let k: Int
    public let n: Int
    public let values: [Float]
    private let lock = NSLock()
    private var bf16: [UInt16]?
    private var int8: (values: [Int8], scales: [Float])?
    private var columnSums: [Int32]?
    private var derivedForms: [String: Derived] = [:]

    /// The weights in a library's own layout (e.g. oneDNN's blocked convolution weights): 64-byte aligned bytes,
    /// owned here for the weights' lifetime.
    public final class Derived: @unchecked Sendable {
        public let bytes: UnsafeMutableRawPointer
        public let byteCount: Int
        init(byteCount: Int) {
            self.byteCount = byteCount
            bytes = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(byteCount, 64), alignment: 64)
        }
        deinit { bytes.deallocate() }
    }

    /// The form of these weights named `key`, made by `make` on first use and kept.
    public func derived(_ key: String, _ make: () throws -> Derived) rethrows -> Derived {
        lock.lock(); defer { lock.unlock() }
        if let d = derivedForms[key] { return d }
        let d = try make()
        derivedForms[key] = d
        return d
    }

    public init(values: [Float], k: Int, n: Int) {
        precondition(values.count == k * n, "GEMMWeights: \(values.count) values are not \(k) × \(n)")
        self.values = values
        self.k = k
        self.n = n
    }

    /// The bfloat16 weights, `k × n`.
    public var bfloat16: [UInt16] {
        lock.lock(); defer { lock.unlock() }
        if let bf16 { return bf16 }
        let v = values.map(LowPrecision.bfloat16)
        bf16 = v
        return v
    }

    /// `Σ_k w_q[k, n]` of the int8 weights, per column: what an input zero point `z` adds to each int32 sum
    /// (`Σ_k w_q (a_q − z) = Σ_k w_q a_q − z · Σ_k w_q`).
    public var quantizedColumnSums: [Int32] {
        let q = quantized
        lock.lock(); defer { lock.unlock() }
        if let columnSums { return columnSums }
        var sums = [Int32](repeating: 0, count: n)
        for r in 0..<k { for c in 0..<n { sums[c] += Int32(q.values[r * n + c]) } }
        columnSums = sums
        return sums
    }

    /// The int8 weights `k × n` and their per-column scales `s[n]`.
    public var quantized: (values: [Int8], scales: [Float]) {
        lock.lock(); defer { lock.unlock() }
        if let int8 { return int8 }
        var scales = [Float](repeating: 0, count: n)
        for r in 0..<k { for c in 0..<n { scales[c] = Swift.max(scales[c], Swift.abs(values[r * n + c])) } }
        scales = scales.map { $0 > 0 ? $0 / 127 : 1 }
        var q = [Int8](repeating: 0, count: k * n)
        for r in 0..<k {
            for c in 0..<n {
                q[r * n + c] = Int8(Swift.min(Swift.max((values[r * n + c] / scales[c]).rounded(), -127), 127))
            }
        }
        int8 = (q, scales)
        return (q, scales)
    }
}
