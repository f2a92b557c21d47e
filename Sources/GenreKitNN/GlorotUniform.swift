import GenreKitCore
/// TensorFlow's default kernel initialiser (`glorot_uniform`): `U(−l, l)` with `l = √(6 / (fan_in + fan_out))`,
/// where for a convolution kernel `[k_h, k_w, c_in, c_out]` `fan_in = k_h·k_w·c_in`, `fan_out = k_h·k_w·c_out`,
/// and for a dense kernel `[in, out]` the two sizes.
public enum GlorotUniform {
    /// The bound `l` for a kernel of `shape` (rank 2 or 4).
    public static func limit(shape: [Int]) -> Float {
        precondition(shape.count == 2 || shape.count == 4, "GlorotUniform: kernel shape \(shape)")
        let receptive = shape.count == 4 ? shape[0] * shape[1] : 1
        let fanIn = receptive * shape[shape.count - 2], fanOut = receptive * shape[shape.count - 1]
        return Float((6.0 / Double(max(fanIn + fanOut, 1))).squareRoot())
    }

    /// A kernel of `shape` drawn from `generator`.
    public static func kernel(shape: [Int], generator: inout SeededGenerator) -> Tensor {
        let l = limit(shape: shape)
        let n = Tensor.elementCount(shape)
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = (2 * generator.nextUnitFloat() - 1) * l }
        return Tensor(shape: shape, values: values)
    }
}
