import GenreKitCore
@testable import GenreKitNN
import XCTest

final class ScratchPoolTests: XCTestCase {
    /// A buffer given back is the one the next caller of a size it fits gets; nested callers get different buffers;
    /// buffers are 64-byte aligned and as large as asked; at most `kept` idle buffers stay.
    func testBuffersAreReusedAlignedAndBounded() {
        let pool = ScratchPool(kept: 2)
        let first = pool.withBytes(1000) { p -> UnsafeMutableRawPointer in
            XCTAssertEqual(Int(bitPattern: p) % 64, 0)
            p.initializeMemory(as: UInt8.self, repeating: 7, count: 1000)   // all 1000 bytes writable
            return p
        }
        XCTAssertEqual(pool.withBytes(800) { $0 }, first, "the idle 1000-byte buffer fits 800 bytes")
        pool.withBytes(1000) { outer in
            pool.withBytes(1000) { inner in XCTAssertNotEqual(inner, outer) }
        }
        XCTAssertEqual(pool.idleCount, 2)
        pool.withBytes(10) { a in pool.withBytes(10) { b in pool.withBytes(10) { c in XCTAssertEqual(Set([a, b, c]).count, 3) } } }
        XCTAssertEqual(pool.idleCount, 2, "kept is 2")
        pool.with(Double.self, count: 300) { p in
            XCTAssertEqual(Int(bitPattern: p) % 64, 0)
            p.initialize(repeating: 1.5, count: 300)
            XCTAssertEqual(p[299], 1.5)
        }
    }

    /// Many threads taking and giving back buffers at once never share one: each fills its buffer with its own
    /// value and finds it intact after the others ran.
    func testConcurrentCallersNeverShareABuffer() {
        let pool = ScratchPool(kept: 3)
        let clashes = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            pool.with(Int32.self, count: 4096 + i) { p in
                p.initialize(repeating: Int32(i), count: 4096 + i)
                for _ in 0..<50 { usleep(10) }
                if (0..<(4096 + i)).contains(where: { p[$0] != Int32(i) }) { clashes.withLock { $0 += 1 } }
            }
        }
        XCTAssertEqual(clashes.value, 0)
        XCTAssertLessThanOrEqual(pool.idleCount, 3)
    }
}
