import Foundation
import GenreKitCore
import XCTest

/// ``ThreadPriority`` lowers the priority of the calling thread only (Linux keeps nice values per thread).
final class ThreadPriorityTests: XCTestCase {
    func testLoweringAffectsOnlyTheCallingThread() throws {
        #if os(Linux)
        let mine = ThreadPriority.currentNice
        let seen = NSLock()
        nonisolated(unsafe) var inside: (before: Int32, after: Int32)?
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let before = ThreadPriority.currentNice
            ThreadPriority.lowerCurrentThread(by: 3)
            let after = ThreadPriority.currentNice
            seen.lock(); inside = (before, after); seen.unlock()
            done.signal()
        }
        thread.start()
        done.wait()
        seen.lock(); let got = inside; seen.unlock()
        let (before, after) = try XCTUnwrap(got)
        XCTAssertEqual(before, mine, "a new thread starts at its creator's nice value")
        XCTAssertEqual(after, min(19, before + 3))
        XCTAssertEqual(ThreadPriority.currentNice, mine, "the calling thread keeps its own")
        #else
        throw XCTSkip("threads have no nice value of their own here")
        #endif
    }
}
