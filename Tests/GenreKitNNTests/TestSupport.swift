import XCTest
@testable import GenreKitNN

/// Deterministic pseudo-random numbers (64-bit LCG) for reproducible test tensors.
struct TestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 11
    }
    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Float = -1, _ hi: Float = 1) -> Float {
        lo + (hi - lo) * Float(Double(next()) / Double(1 << 53))
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
    mutating func tensor(_ shape: [Int], _ lo: Float = -1, _ hi: Float = 1) -> Tensor {
        Tensor(shape: shape, values: (0..<Tensor.elementCount(shape)).map { _ in uniform(lo, hi) })
    }
    mutating func array(_ n: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
        (0..<n).map { _ in uniform(lo, hi) }
    }
}

/// Asserts `max |a − b| ≤ tol · max(1, max |b|)` (and equal shapes).
func assertClose(_ a: Tensor, _ b: Tensor, relative tol: Float = 1e-5, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "shape " + message, file: file, line: line)
    guard a.shape == b.shape else { return }
    let diff = a.maxAbsDifference(b)
    let scale = max(1, b.maxAbs)
    XCTAssertLessThanOrEqual(diff, tol * scale, "max diff \(diff) (scale \(scale)) " + message, file: file, line: line)
}

/// Naive references, written for clarity (double accumulation, direct index arithmetic).
enum Naive {
    static func conv2d(_ x: Tensor, _ k: Tensor, bias: [Float], strides: (Int, Int), padding: Padding) -> Tensor {
        let (n, h, w, ci) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw, co) = (k.shape[0], k.shape[1], k.shape[3])
        let (oh, pt) = padding.output(inputSize: h, kernel: kh, stride: strides.0)
        let (ow, pl) = padding.output(inputSize: w, kernel: kw, stride: strides.1)
        var y = Tensor(shape: [n, oh, ow, co])
        for b in 0..<n { for a in 0..<oh { for q in 0..<ow { for o in 0..<co {
            var s = Double(bias[o])
            for i in 0..<kh { for j in 0..<kw {
                let ih = a * strides.0 + i - pt, iw = q * strides.1 + j - pl
                if ih < 0 || ih >= h || iw < 0 || iw >= w { continue }
                for c in 0..<ci { s += Double(x[b, ih, iw, c]) * Double(k[i, j, c, o]) }
            } }
            y[b, a, q, o] = Float(s)
        } } } }
        return y
    }
}
