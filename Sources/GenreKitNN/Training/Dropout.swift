/// Inverted dropout (TensorFlow `layers.dropout` in training mode) with a seeded mask.
///
/// Each element is kept with probability `1 − rate` (mask `k ∈ {0, 1}` drawn from a SplitMix64
/// stream), and kept elements are scaled so the expectation is unchanged:
///
///     y = x · k / (1 − rate)          ∂L/∂x = ∂L/∂y · k / (1 − rate)
///
/// In inference mode dropout is the identity. `rate` must be in `[0, 1)`.
public struct Dropout: Sendable, Equatable {
    public let rate: Float

    public init(rate: Float) {
        precondition(rate >= 0 && rate < 1, "Dropout: rate \(rate) not in [0, 1)")
        self.rate = rate
    }

    /// The scaled mask `k / (1 − rate)` for `count` elements: equal seeds give equal masks.
    public func mask(count: Int, generator: inout SplitMix64) -> [Float] {
        let scale = 1 / (1 - rate)
        return (0..<count).map { _ in generator.nextUnitFloat() >= rate ? scale : 0 }
    }

    /// Training-mode forward pass; returns the output and the scaled mask for `backward`.
    public func forward(_ x: Tensor, generator: inout SplitMix64) -> (output: Tensor, mask: [Float]) {
        let m = mask(count: x.count, generator: &generator)
        var y = x
        for i in 0..<y.count { y.values[i] *= m[i] }
        return (y, m)
    }

    /// Training-mode forward pass with a fresh generator seeded by `seed`.
    public func forward(_ x: Tensor, seed: UInt64) -> (output: Tensor, mask: [Float]) {
        var g = SplitMix64(seed: seed)
        return forward(x, generator: &g)
    }

    /// `∂L/∂x = ∂L/∂y · mask` with the scaled mask from `forward`.
    public func backward(outputGradient g: Tensor, mask: [Float]) -> Tensor {
        precondition(mask.count == g.count, "Dropout.backward: mask \(mask.count) vs gradient \(g.count)")
        var d = g
        for i in 0..<d.count { d.values[i] *= mask[i] }
        return d
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small seeded generator for reproducible training
/// randomness (dropout masks, shuffling).
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` with 24 random bits.
    public mutating func nextUnitFloat() -> Float { Float(next() >> 40) * (1 / 16_777_216) }
}
