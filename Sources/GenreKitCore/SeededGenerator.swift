import Foundation

/// A small deterministic random generator (SplitMix64, Steele, Lea & Flood 2014), used wherever work is
/// "seeded": dropout masks, MLP initialisation and batches, shuffled folds, validation splits.
///
/// The sequences are stable across platforms and releases; they are *not* the
/// ones numpy produces, so shuffles differ from scikit-learn's with the same seed.
public struct SeededGenerator: RandomNumberGenerator, Codable, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` with 24 random bits (float32).
    public mutating func nextUnitFloat() -> Float { Float(next() >> 40) * (1 / 16_777_216) }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Standard normal draw (Box–Muller).
    public mutating func nextGaussian() -> Double {
        let u1 = max(nextUnit(), 0x1.0p-60)
        let u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Fisher–Yates shuffle driven by this generator (deterministic for a seed).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            array.swapAt(i, j)
        }
    }
}
