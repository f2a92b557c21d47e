import GenreKitCore
@testable import GenreKitNN
import XCTest

final class DNNLPrimitiveTests: XCTestCase {
    /// Primitives are kept per shape and per OpenMP team size, each made with the team size it runs with: one made
    /// on this thread (its default team) and one made inside `BLASThreads.withSingleThread` (one thread) are
    /// different primitives exactly when the default team has more than one thread, the same mode gets the same
    /// primitive back, and both compute the product (within the float32 bound of two summation orders, `2·γ_k·Σ|a·b|`).
    func testPrimitivesAreKeptPerTeamSizeAndBothComputeTheProduct() throws {
        let (m, n, k) = (37, 19, 53)
        let shape = DNNLMatMul.Shape(m: m, n: n, k: k, lda: k, ldb: n, ldc: n, precision: .fp32)
        let teamSize = DNNLThreads.callerThreads
        let single = try BLASThreads.withSingleThread { () throws -> DNNLMatMul in
            XCTAssertEqual(DNNLThreads.callerThreads, 1)
            return try DNNLMatMul.cached(shape)
        }
        let shared = try DNNLMatMul.cached(shape)
        XCTAssertTrue(try DNNLMatMul.cached(shape) === shared)
        XCTAssertTrue(try BLASThreads.withSingleThread { try DNNLMatMul.cached(shape) } === single)
        XCTAssertEqual(single === shared, teamSize <= 1, "team size here \(teamSize)")

        var rng = TestRNG(seed: 11)
        let a = rng.tensor([m, k]).values, b = rng.tensor([k, n]).values
        func product(_ p: DNNLMatMul, singleThreaded: Bool) throws -> [Float] {
            var c = [Float](repeating: .nan, count: m * n)
            try a.withUnsafeBytes { pa in
                try b.withUnsafeBytes { pb in
                    try c.withUnsafeMutableBufferPointer { pc in
                        let out = pc.baseAddress!
                        if singleThreaded {
                            try BLASThreads.withSingleThread { try p.run(a: pa.baseAddress!, b: pb.baseAddress!, c: out) }
                        } else {
                            try p.run(a: pa.baseAddress!, b: pb.baseAddress!, c: out)
                        }
                    }
                }
            }
            return c
        }
        let c1 = try product(single, singleThreaded: true), c2 = try product(shared, singleThreaded: false)
        let bound = 2 * RoundingBounds.gamma(k)
        for i in 0..<m {
            for j in 0..<n {
                var exact = 0.0, abs = 0.0
                for l in 0..<k {
                    let p = Double(a[i * k + l]) * Double(b[l * n + j])
                    exact += p
                    abs += Swift.abs(p)
                }
                XCTAssertLessThanOrEqual(Swift.abs(Double(c1[i * n + j]) - exact), bound * abs, "(\(i), \(j)) one thread")
                XCTAssertLessThanOrEqual(Swift.abs(Double(c2[i * n + j]) - exact), bound * abs, "(\(i), \(j)) default team")
            }
        }
    }
}
