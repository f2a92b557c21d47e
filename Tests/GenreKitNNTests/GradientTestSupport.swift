import XCTest
@testable import GenreKitNN

/// Finite-difference helpers for the gradient checks.
enum FiniteDifference {
    /// Central differences of a float32 computation `f` (returning a float64 scalar) at `x`:
    /// `(f(x + h·e_i) − f(x − h·e_i)) / (x_i⁺ − x_i⁻)`, with `x_i^±` the float32-rounded perturbed
    /// values. `h = step·max(1, |x_i|)` when `relative`, else `step`. Exact (up to float32
    /// rounding of `f`) for maps that are linear in `x`, or piecewise linear with no kink
    /// within `h` of `x`.
    static func gradient(_ x: [Float], step: Float = 1e-2, relative: Bool = true, _ f: ([Float]) -> Double) -> [Double] {
        var xp = x
        return (0..<x.count).map { i in
            let h = relative ? step * max(1, abs(x[i])) : step
            let up = x[i] + h, down = x[i] - h
            xp[i] = up
            let fu = f(xp)
            xp[i] = down
            let fd = f(xp)
            xp[i] = x[i]
            return (fu - fd) / (Double(up) - Double(down))
        }
    }

    /// Central differences of a float64 reference `f` with step `h = step·max(1, |x_i|)`.
    static func gradient64(_ x: [Double], step: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
        var xp = x
        return (0..<x.count).map { i in
            let h = step * max(1, abs(x[i]))
            xp[i] = x[i] + h
            let fu = f(xp)
            xp[i] = x[i] - h
            let fd = f(xp)
            xp[i] = x[i]
            return (fu - fd) / (2 * h)
        }
    }

    /// Normwise relative error `max_i |a_i − n_i| / max_i |n_i|`.
    static func relativeError(_ analytic: [Float], _ numeric: [Double]) -> Double {
        precondition(analytic.count == numeric.count)
        var diff = 0.0, scale = 0.0
        for (a, n) in zip(analytic, numeric) {
            diff = max(diff, abs(Double(a) - n))
            scale = max(scale, abs(n))
        }
        return scale == 0 ? diff : diff / scale
    }

    /// `Σ_i y_i · r_i` in float64: the scalar whose gradient with respect to `y` is `r`.
    static func dot(_ y: [Float], _ r: [Float]) -> Double {
        precondition(y.count == r.count)
        var s = 0.0
        for (a, b) in zip(y, r) { s += Double(a) * Double(b) }
        return s
    }
}

/// Records the worst relative error per check (printed by the tests for the report).
func assertGradient(_ analytic: [Float], _ numeric: [Double], tolerance: Double = 1e-3, _ name: String,
                    file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(analytic.count, numeric.count, name, file: file, line: line)
    let e = FiniteDifference.relativeError(analytic, numeric)
    XCTAssertLessThanOrEqual(e, tolerance, "\(name): relative error \(e)", file: file, line: line)
    XCTAssert(numeric.contains { $0 != 0 }, "\(name): numeric gradient is identically zero", file: file, line: line)
    if ProcessInfo.processInfo.environment["GRADIENT_REPORT"] != nil {
        print("gradient-check \(name): \(String(format: "%.2e", e))")
    }
}

extension TestRNG {
    /// `count` distinct values `spacing·k` (k a shuffled 0..<count, shifted to straddle 0), so no
    /// two values are within `spacing` of each other (max/arg-max stable under small steps).
    mutating func distinct(_ count: Int, spacing: Float = 0.05) -> [Float] {
        var v = (0..<count).map { Float($0 - count / 2) * spacing }
        for i in stride(from: count - 1, to: 0, by: -1) { v.swapAt(i, int(0...i)) }
        return v
    }
}
