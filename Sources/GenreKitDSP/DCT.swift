import Foundation

/// Orthonormal DCT-II, as `scipy.fft.dct(x, type=2, norm="ortho")`:
/// `X[k] = s_k · Σ_{n=0}^{N−1} x[n]·cos(πk(2n+1)/(2N))`, `s_0 = √(1/N)`, `s_k = √(2/N)`.
public struct DCT: Sendable {
    public let inputCount: Int
    public let outputCount: Int
    /// `outputCount × inputCount` basis, row-major, float64.
    private let basis: [Double]

    /// A DCT keeping the first `outputCount` coefficients of an `inputCount`-point transform.
    public init(inputCount n: Int, outputCount: Int) {
        precondition(outputCount <= n, "cannot keep more DCT coefficients than inputs")
        inputCount = n; self.outputCount = outputCount
        var b = [Double](repeating: 0, count: outputCount * n)
        for k in 0..<outputCount {
            let s = k == 0 ? (1.0 / Double(n)).squareRoot() : (2.0 / Double(n)).squareRoot()
            for i in 0..<n { b[k * n + i] = s * cos(Double.pi * Double(k) * Double(2 * i + 1) / Double(2 * n)) }
        }
        basis = b
    }

    /// Transforms each row of a `rows × inputCount` matrix into `rows × outputCount`.
    public func apply(rows: [Float], count: Int) -> [Float] {
        let n = inputCount, m = outputCount
        var out = [Float](repeating: 0, count: count * m)
        basis.withUnsafeBufferPointer { b in rows.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { o in
            for r in 0..<count {
                for k in 0..<m {
                    var acc = 0.0
                    for i in 0..<n { acc += b[k * n + i] * Double(x[r * n + i]) }
                    o[r * m + k] = Float(acc)
                }
            }
        } } }
        return out
    }
}
