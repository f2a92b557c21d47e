/// Backward pass of `Tensor.transposed(perm)`: the gradient is transposed by the inverse
/// permutation, `∂L/∂x = (∂L/∂y).transposed(perm⁻¹)` with `perm⁻¹[perm[d]] = d`.
public struct TransposeBackward: Sendable, Equatable {
    public let perm: [Int]

    public init(perm: [Int]) {
        precondition(Set(perm) == Set(0..<perm.count) && perm.count == Set(perm).count,
                     "TransposeBackward: bad permutation \(perm)")
        self.perm = perm
    }

    /// `perm⁻¹`.
    public var inverse: [Int] {
        var inv = [Int](repeating: 0, count: perm.count)
        for (d, p) in perm.enumerated() { inv[p] = d }
        return inv
    }

    public func callAsFunction(outputGradient g: Tensor) -> Tensor { g.transposed(inverse) }
}
