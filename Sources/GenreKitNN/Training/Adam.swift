import Foundation

/// Adam as TensorFlow 1's `tf.train.AdamOptimizer` (defaults `lr = 1e-3`, `β1 = 0.9`,
/// `β2 = 0.999`, `ε = 1e-8`), with weight decay as an L2 term added to the gradient.
///
/// At step `t = 1, 2, …`, for each parameter `θ` with gradient `g`:
///
///     g   ← g + λ·θ                                  (λ = weightDecay, if the mask allows)
///     m   ← m + (1 − β1)·(g − m)                     (= β1·m + (1 − β1)·g)
///     v   ← v + (1 − β2)·(g² − v)
///     lr_t = lr · √(1 − β2^t) / (1 − β1^t)
///     θ   ← θ − lr_t · m / (√v + ε)
///
/// (TF1's "ε-hat" form: ε is added after the bias correction folded into `lr_t`.)
public struct Adam: Optimizer, Equatable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// Per parameter, whether weight decay applies (`nil`: all).
    public var weightDecayMask: [Bool]?
    /// Steps taken so far.
    public private(set) var step: Int = 0
    public private(set) var firstMoments: [[Float]] = []
    public private(set) var secondMoments: [[Float]] = []

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 1e-5, weightDecayMask: [Bool]? = nil) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.weightDecayMask = weightDecayMask
    }

    public mutating func update(_ parameters: inout [Tensor], gradients: [Tensor]) {
        WeightDecay.check(parameters, gradients, mask: weightDecayMask, slots: firstMoments.count, name: "Adam")
        if firstMoments.isEmpty {
            firstMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
            secondMoments = firstMoments
        }
        step += 1
        let t = Double(step)
        let lrT = Float(Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
        let a1 = 1 - beta1, a2 = 1 - beta2
        for p in parameters.indices {
            var g = gradients[p].values
            if weightDecayMask?[p] ?? true { WeightDecay.apply(&g, parameter: parameters[p].values, lambda: weightDecay) }
            parameters[p].values.withUnsafeMutableBufferPointer { th in
                firstMoments[p].withUnsafeMutableBufferPointer { m in
                    secondMoments[p].withUnsafeMutableBufferPointer { v in
                        for i in 0..<g.count {
                            m[i] += (g[i] - m[i]) * a1
                            v[i] += (g[i] * g[i] - v[i]) * a2
                            th[i] -= lrT * m[i] / (v[i].squareRoot() + epsilon)
                        }
                    }
                }
            }
        }
    }
}
