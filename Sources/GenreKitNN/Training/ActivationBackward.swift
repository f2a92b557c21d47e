extension Activation {
    /// `∂L/∂z` from the pre-activation `z` and `∂L/∂y` for `y = f(z)`:
    ///
    ///     identity: ∂L/∂z = ∂L/∂y
    ///     relu:     ∂L/∂z = ∂L/∂y · 1[z > 0]        (0 at z = 0, as TensorFlow's ReluGrad)
    ///     sigmoid:  ∂L/∂z = ∂L/∂y · σ(z)·(1 − σ(z))
    public func backward(preActivation z: Tensor, outputGradient g: Tensor) -> Tensor {
        precondition(z.shape == g.shape, "Activation.backward: \(z.shape) vs \(g.shape)")
        var d = g
        switch self {
        case .identity:
            break
        case .relu:
            z.values.withUnsafeBufferPointer { zv in
                d.values.withUnsafeMutableBufferPointer { dv in
                    for i in dv.indices where !(zv[i] > 0) { dv[i] = 0 }
                }
            }
        case .sigmoid:
            z.values.withUnsafeBufferPointer { zv in
                d.values.withUnsafeMutableBufferPointer { dv in
                    for i in dv.indices { let s = Activation.sigmoid(zv[i]); dv[i] *= s * (1 - s) }
                }
            }
        }
        return d
    }
}
