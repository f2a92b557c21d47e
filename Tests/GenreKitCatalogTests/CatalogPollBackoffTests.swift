import XCTest
@testable import GenreKitCatalog

final class CatalogPollBackoffTests: XCTestCase {
    func testDoublesFromShortestUpToLongestAndResets() {
        var b = CatalogPollBackoff(shortest: 0.02, longest: 2)
        let waits = (0..<9).map { _ in b.next() }
        XCTAssertEqual(waits, [0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2, 2])
        b.reset()
        XCTAssertEqual(b.next(), 0.02)
    }

    func testALongestBelowTheShortestIsUsedAsIs() {
        var b = CatalogPollBackoff(shortest: 0.02, longest: 0.01)
        XCTAssertEqual([b.next(), b.next()], [0.01, 0.01])
    }

    func testWorkerDefaultsStartShort() {
        var b = CatalogPollBackoff(longest: CatalogWorkOptions(worker: "w").pollSeconds)
        XCTAssertEqual(b.next(), 0.02)
        XCTAssertEqual(b.longest, 2)
    }
}
