import GenreKitNN
import XCTest

final class DNNLEngineTests: XCTestCase {
    /// oneDNN links, makes a CPU engine and a stream, and reports a version and an ISA.
    func testEngineIsCreatedAndReportsItsISA() throws {
        let engine = try XCTUnwrap(DNNLEngine.shared, DNNLEngine.unavailableReason ?? "")
        _ = try engine.makeStream()
        engine.withStream { _ in }
        XCTAssertTrue(DNNLEngine.version.hasPrefix("2."), DNNLEngine.version)
        XCTAssertFalse(DNNLEngine.effectiveISA.hasPrefix("other"), DNNLEngine.effectiveISA)
    }

    func testAFailedCallIsATypedOneLineError() {
        let text = "\(DNNLError(call: "dnnl_test", status: 2))"  // dnnl_invalid_arguments
        XCTAssertTrue(text.contains("dnnl_test") && text.contains("invalid arguments"), text)
        XCTAssertFalse(text.contains("\n"))
    }
}
