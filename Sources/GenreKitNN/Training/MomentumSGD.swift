/// Stochastic gradient descent with momentum, as TensorFlow 1's `tf.train.MomentumOptimizer`,
/// with weight decay as an L2 term added to the gradient:
///
///     g ← g + λ·θ
///     a ← μ·a + g
///     θ ← θ − lr·a                    (Nesterov: θ ← θ − lr·(g + μ·a))
///
/// `momentum = 0` is plain SGD.
public struct MomentumSGD: Optimizer, Equatable {
    public var learningRate: Float
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    /// Per parameter, whether weight decay applies (`nil`: all).
    public var weightDecayMask: [Bool]?
    public private(set) var accumulators: [[Float]] = []

    public init(learningRate: Float = 1e-2, momentum: Float = 0.9, nesterov: Bool = false,
                weightDecay: Float = 0, weightDecayMask: [Bool]? = nil) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.weightDecayMask = weightDecayMask
    }

    public mutating func update(_ parameters: inout [Tensor], gradients: [Tensor]) {
        WeightDecay.check(parameters, gradients, mask: weightDecayMask, slots: accumulators.count, name: "MomentumSGD")
        if accumulators.isEmpty { accumulators = parameters.map { [Float](repeating: 0, count: $0.count) } }
        for p in parameters.indices {
            var g = gradients[p].values
            if weightDecayMask?[p] ?? true { WeightDecay.apply(&g, parameter: parameters[p].values, lambda: weightDecay) }
            parameters[p].values.withUnsafeMutableBufferPointer { th in
                accumulators[p].withUnsafeMutableBufferPointer { a in
                    for i in 0..<g.count {
                        a[i] = momentum * a[i] + g[i]
                        th[i] -= learningRate * (nesterov ? g[i] + momentum * a[i] : a[i])
                    }
                }
            }
        }
    }
}
