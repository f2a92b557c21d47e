import Foundation

/// Maps a data interval onto a pixel interval: `y = r₀ + (x − d₀)·(r₁ − r₀)/(d₁ − d₀)`.
public struct LinearScale: Sendable {
    public let domain: ClosedRange<Double>
    public let range: (Double, Double)

    public init(domain: ClosedRange<Double>, range: (Double, Double)) {
        self.domain = domain.lowerBound < domain.upperBound ? domain : domain.lowerBound...(domain.lowerBound + 1)
        self.range = range
    }

    public func callAsFunction(_ x: Double) -> Double {
        let d = domain.upperBound - domain.lowerBound
        return range.0 + (x - domain.lowerBound) * (range.1 - range.0) / d
    }

    /// About `count` round tick values inside the domain (steps of 1, 2 or 5 × 10ᵏ).
    public func ticks(count: Int = 5) -> [Double] {
        let span = domain.upperBound - domain.lowerBound
        let raw = span / Double(max(1, count))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        let first = (domain.lowerBound / step).rounded(.up)
        var out: [Double] = []
        var k = 0.0
        while (first + k) * step <= domain.upperBound + step * 1e-9 {
            // Multiples of the step, rounded to 12 significant digits (0.6, not 0.6000000000000001).
            let t = (first + k) * step
            out.append(t == 0 ? 0 : Double(String(format: "%.12g", t))!)
            k += 1
        }
        return out
    }
}
