import GenreKitBenchmarks
import XCTest

/// Timing probes of ``LearningBenchmarks`` (no assertions).
final class LearningBenchmarksTests: XCTestCase {
    /// Prints the fit time for the 10,000 × 753 × 10 target (no assertion; the number
    /// that counts is from a release build, e.g. `genrekit-bench` calling
    /// `LearningBenchmarks.logisticRegressionFit()`).
    func testPrintFitTiming() throws {
        let t = try LearningBenchmarks.logisticRegressionFit()
        print("TIMING \(t)")
    }
}
