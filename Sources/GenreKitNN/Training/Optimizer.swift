/// A first-order optimiser over a fixed, ordered list of parameter tensors.
///
/// Slot state (moments, momentum accumulators) is keyed by the parameter's position in the list,
/// so every `update` must pass the parameters in the same order with the same shapes.
public protocol Optimizer: Sendable {
    /// Step size used by the next `update` (schedules set it between steps).
    var learningRate: Float { get set }
    /// Applies one step `θ ← θ − Δ(∇)` to every parameter.
    mutating func update(_ parameters: inout [Tensor], gradients: [Tensor])
}

/// The L2 term of an optimiser's weight decay: `g ← g + λ·θ` (the gradient of `(λ/2)·‖θ‖²`),
/// skipped for parameters whose `mask` entry is `false` (e.g. biases, batch-norm γ/β).
enum WeightDecay {
    static func apply(_ gradient: inout [Float], parameter: [Float], lambda: Float) {
        if lambda == 0 { return }
        for i in 0..<gradient.count { gradient[i] += lambda * parameter[i] }
    }

    static func check(_ parameters: [Tensor], _ gradients: [Tensor], mask: [Bool]?, slots: Int, name: String) {
        precondition(parameters.count == gradients.count, "\(name): \(parameters.count) parameters, \(gradients.count) gradients")
        for (p, g) in zip(parameters, gradients) {
            precondition(p.count == g.count, "\(name): parameter \(p.shape) vs gradient \(g.shape)")
        }
        if let mask { precondition(mask.count == parameters.count, "\(name): decay mask \(mask.count) vs \(parameters.count) parameters") }
        precondition(slots == 0 || slots == parameters.count, "\(name): \(parameters.count) parameters, state has \(slots)")
    }
}
