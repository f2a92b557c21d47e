import GenreKitCore
/// Inverted dropout (TensorFlow `layers.dropout` in training mode) with a seeded mask.
///
/// Each element is kept with probability `1 − rate` (mask `k ∈ {0, 1}` drawn from a SeededGenerator
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
    public func mask(count: Int, generator: inout SeededGenerator) -> [Float] {
        let scale = 1 / (1 - rate)
        return (0..<count).map { _ in generator.nextUnitFloat() >= rate ? scale : 0 }
    }

    /// Training-mode forward pass; returns the output and the scaled mask for `backward`.
    public func forward(_ x: Tensor, generator: inout SeededGenerator) -> (output: Tensor, mask: [Float]) {
        let m = mask(count: x.count, generator: &generator)
        var y = x
        for i in 0..<y.count { y.values[i] *= m[i] }
        return (y, m)
    }

    /// Training-mode forward pass with a fresh generator seeded by `seed`.
    public func forward(_ x: Tensor, seed: UInt64) -> (output: Tensor, mask: [Float]) {
        var g = SeededGenerator(seed: seed)
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
