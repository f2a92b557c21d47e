import Foundation
import GenreKitCore
import XCTest
@testable import GenreKitNN

final class BLASThreadsTests: XCTestCase {
    /// `C = A·B` through OpenBLAS, 256³ (large enough for OpenBLAS to split it over its threads), and the largest
    /// |C − exact| where every product and partial sum is exact (small integers), so any lost or repeated block shows.
    func product() -> Float {
        let n = 256
        let a = (0..<(n * n)).map { Float(($0 * 7) % 5) - 2 }, b = (0..<(n * n)).map { Float(($0 * 3) % 7) - 3 }
        var c = [Float](repeating: .nan, count: n * n)
        GEMM.sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n)
        var worst: Float = 0
        for i in stride(from: 0, to: n, by: 17) {
            for j in stride(from: 0, to: n, by: 13) {
                var s: Float = 0
                for k in 0..<n { s += a[i * n + k] * b[k * n + j] }
                worst = max(worst, abs(c[i * n + j] - s))
            }
        }
        return worst
    }

    /// After the pool is stopped, threaded and single-threaded products still run (the pool starts again) and are
    /// exact; the timeout is ours unless the environment set one.
    func testShortenIdleSpinningKeepsProductsRightAndRespectsTheEnvironment() {
        let preset = ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"]
        BLASThreads.shortenIdleSpinning()
        XCTAssertEqual(String(cString: getenv("OPENBLAS_THREAD_TIMEOUT")), preset ?? "22")
        XCTAssertEqual(product(), 0)
        XCTAssertEqual(BLASThreads.withSingleThread { product() }, 0)
        XCTAssertFalse(BLASThreads.isSingleThreaded)
        XCTAssertEqual(product(), 0)
    }
}
