import GenreKitLearning
import XCTest

/// Student's t quantiles and CDF against scipy.stats.t (1.x) and a confidence interval computed by hand.
final class StudentTTests: XCTestCase {
    func testQuantilesMatchScipy() {
        // scipy.stats.t.ppf(0.975, df)
        let expected: [(Double, Double)] = [(1, 12.706204736174694), (3, 3.1824463052837078), (4, 2.7764451051977934),
                                            (19, 2.0930240544083087), (100, 1.9839715185235518)]
        for (df, t) in expected {
            XCTAssertEqual(StudentT.quantile(0.975, degreesOfFreedom: df), t, accuracy: 1e-9 * t, "df \(df)")
            XCTAssertEqual(StudentT.quantile(0.025, degreesOfFreedom: df), -t, accuracy: 1e-9 * t, "df \(df)")
        }
        XCTAssertEqual(StudentT.quantile(0.5, degreesOfFreedom: 7), 0)
    }

    func testCDFMatchesScipy() {
        XCTAssertEqual(StudentT.cdf(1.5, degreesOfFreedom: 7), 0.911350756505015, accuracy: 1e-12)    // scipy.stats.t.cdf(1.5, 7)
        XCTAssertEqual(StudentT.cdf(-2.0, degreesOfFreedom: 2.5), 0.07869574787898295, accuracy: 1e-12)
        XCTAssertEqual(StudentT.cdf(0, degreesOfFreedom: 3), 0.5, accuracy: 1e-15)
    }

    func testConfidenceIntervalByHand() {
        // x = 0.6, 0.7, 0.8, 0.9: mean 0.75, s² = (0.15² + 0.05² + 0.05² + 0.15²)/3 = 0.05/3, s = 0.129099…,
        // half-width = t(0.975, 3) · s / √4 = 3.1824463 · 0.0645497 = 0.2054260…
        let ci = MeanConfidenceInterval([0.6, 0.7, 0.8, 0.9])
        XCTAssertEqual(ci.count, 4)
        XCTAssertEqual(ci.mean, 0.75, accuracy: 1e-15)
        XCTAssertEqual(ci.standardDeviation, (0.05 / 3).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(ci.halfWidth, 0.20542602567605212, accuracy: 1e-12)
        XCTAssertEqual(ci.lower, 0.75 - 0.20542602567605212, accuracy: 1e-12)
        // NaNs are left out; one value has no interval.
        let one = MeanConfidenceInterval([0.5, .nan])
        XCTAssertEqual(one.count, 1)
        XCTAssertEqual(one.mean, 0.5)
        XCTAssertTrue(one.halfWidth.isNaN)
        XCTAssertEqual(MeanConfidenceInterval([0.75, 0.75, 0.75]).halfWidth, 0)
    }
}
