import XCTest
@testable import GenreKitNN

/// Optimisers, clipping and schedules against hand-computed values.
final class OptimizerTests: XCTestCase {
    func testAdamStepsMatchHandComputedValues() {
        // TF1 defaults: lr 1e-3, β1 0.9, β2 0.999, ε 1e-8; weight decay λ = 1e-5 added to g.
        var adam = Adam()
        XCTAssertEqual(adam.learningRate, 1e-3)
        XCTAssertEqual(adam.epsilon, 1e-8)
        XCTAssertEqual(adam.weightDecay, 1e-5)
        var params = [Tensor(shape: [2], values: [1, -2])]
        // Step 1: g' = g + λθ = (0.50001, 0.09998); m = 0.1·g'; v = 0.001·g'²;
        // lr_1 = 1e-3·√0.001/0.1; θ −= lr_1·m/(√v + ε) ≈ 1e-3·sign(g')·(1 − ε/√v).
        adam.update(&params, gradients: [Tensor(shape: [2], values: [0.5, 0.1])])
        XCTAssertEqual(adam.step, 1)
        XCTAssertEqual(params[0].values[0], 0.99900000063, accuracy: 1e-6)
        XCTAssertEqual(params[0].values[1], -2.00099999684, accuracy: 1e-6)
        // (1 − β1, 1 − β2 are formed in float32, as in TensorFlow: 1e-5 relative on v.)
        XCTAssertEqual(adam.firstMoments[0][0], 0.050001, accuracy: 1e-7)
        XCTAssertEqual(adam.secondMoments[0][1], 9.9960004e-6, accuracy: 1e-9)
        // Step 2 with g = (−0.2, 0.3): m = 0.9m + 0.1g', v = 0.999v + 0.001g'²,
        // lr_2 = 1e-3·√(1 − 0.999²)/(1 − 0.9²).
        adam.update(&params, gradients: [Tensor(shape: [2], values: [-0.2, 0.3])])
        XCTAssertEqual(params[0].values[0], 0.99865437231, accuracy: 1e-6)
        XCTAssertEqual(params[0].values[1], -2.00191776103, accuracy: 1e-6)
    }

    func testAdamWeightDecayMaskAndZeroGradient() {
        // Zero gradient with decay: g' = λθ = 3e-5, √v = √0.001·3e-5 = 9.4868e-7, so ε = 1e-8 shows:
        // Δθ = lr_1·m/(√v + ε) = 3.16228e-4 · 3e-6 / 9.5868e-7 = 9.8957e-4.
        var adam = Adam(weightDecayMask: [true, false])
        var params = [Tensor(shape: [1], values: [3]), Tensor(shape: [1], values: [3])]
        adam.update(&params, gradients: [Tensor(shape: [1], values: [0]), Tensor(shape: [1], values: [0])])
        XCTAssertEqual(params[0].values[0], 3 - 9.8957e-4, accuracy: 1e-6)
        XCTAssertEqual(params[1].values[0], 3)
    }

    func testMomentumSGDMatchesHandComputedValues() {
        var sgd = MomentumSGD(learningRate: 0.1, momentum: 0.9)
        var p = [Tensor(shape: [1], values: [1])]
        let g = [Tensor(shape: [1], values: [2])]
        sgd.update(&p, gradients: g)                       // a = 2, θ = 1 − 0.2
        XCTAssertEqual(p[0].values[0], 0.8, accuracy: 1e-6)
        sgd.update(&p, gradients: g)                       // a = 0.9·2 + 2 = 3.8, θ = 0.8 − 0.38
        XCTAssertEqual(p[0].values[0], 0.42, accuracy: 1e-6)

        var nesterov = MomentumSGD(learningRate: 0.1, momentum: 0.9, nesterov: true)
        var q = [Tensor(shape: [1], values: [1])]
        nesterov.update(&q, gradients: g)                  // a = 2, θ = 1 − 0.1·(2 + 1.8)
        XCTAssertEqual(q[0].values[0], 0.62, accuracy: 1e-6)

        var decayed = MomentumSGD(learningRate: 0.1, momentum: 0, weightDecay: 0.5)
        var d = [Tensor(shape: [1], values: [2])]
        decayed.update(&d, gradients: [Tensor(shape: [1], values: [1])])   // g' = 1 + 0.5·2 = 2
        XCTAssertEqual(d[0].values[0], 1.8, accuracy: 1e-6)
    }

    func testGlobalNormClipping() {
        var grads = [Tensor(shape: [2], values: [3, 4]), Tensor(shape: [1], values: [12])]
        XCTAssertEqual(GradientClipping.globalNorm(grads), 13)
        let n = GradientClipping.clipByGlobalNorm(&grads, maxNorm: 6.5)
        XCTAssertEqual(n, 13)
        XCTAssertEqual(grads[0].values, [1.5, 2])
        XCTAssertEqual(grads[1].values, [6])
        var small = [Tensor(shape: [2], values: [3, 4])]
        GradientClipping.clipByGlobalNorm(&small, maxNorm: 20)
        XCTAssertEqual(small[0].values, [3, 4])
    }

    func testLearningRateSchedules() {
        XCTAssertEqual(LearningRateSchedule.constant(0.01).rate(atStep: 1000), 0.01)
        let cosine = LearningRateSchedule.cosine(initial: 1, decaySteps: 10, alpha: 0.1)
        XCTAssertEqual(cosine.rate(atStep: 0), 1, accuracy: 1e-7)
        XCTAssertEqual(cosine.rate(atStep: 5), 0.55, accuracy: 1e-7)     // 0.9·½ + 0.1
        XCTAssertEqual(cosine.rate(atStep: 10), 0.1, accuracy: 1e-7)
        XCTAssertEqual(cosine.rate(atStep: 25), 0.1, accuracy: 1e-7)
        XCTAssertEqual(LearningRateSchedule.cosine(initial: 2, decaySteps: 4).rate(atStep: 1),
                       Float(1 + cos(Double.pi / 4)), accuracy: 1e-6)
    }

    func testReduceLROnPlateau() {
        var plateau = ReduceLROnPlateau(initial: 1, factor: 0.5, patience: 2, minDelta: 0, minRate: 0.2)
        XCTAssertEqual(plateau.update(metric: 1.0), 1)      // best 1.0
        XCTAssertEqual(plateau.update(metric: 0.9), 1)      // improved
        XCTAssertEqual(plateau.update(metric: 0.95), 1)     // wait 1
        XCTAssertEqual(plateau.update(metric: 0.9), 0.5)    // wait 2 = patience → halve
        XCTAssertEqual(plateau.update(metric: 0.8), 0.5)    // improved
        XCTAssertEqual(plateau.update(metric: 0.8), 0.5)
        XCTAssertEqual(plateau.update(metric: 0.85), 0.25)
        plateau.update(metric: 0.9)
        XCTAssertEqual(plateau.update(metric: 0.9), 0.2)    // clamped at minRate
        plateau.update(metric: 0.9)
        XCTAssertEqual(plateau.update(metric: 0.9), 0.2)
        // Cooldown (Keras semantics): the counter drops at the start of each evaluation and
        // counting resumes in the evaluation where it reaches 0.
        var cool = ReduceLROnPlateau(initial: 1, factor: 0.5, patience: 1, minDelta: 0, cooldown: 2)
        cool.update(metric: 1)
        XCTAssertEqual(cool.update(metric: 1), 0.5)      // reduce, cooldown 2
        XCTAssertEqual(cool.update(metric: 1), 0.5)      // cooldown 1, not counted
        XCTAssertEqual(cool.update(metric: 1), 0.25)     // cooldown 0, wait 1 = patience
    }

    /// End to end: a dense layer + ReLU + dense + softmax cross-entropy trained with Adam fits a small batch.
    func testAdamReducesLossOnATinyNetwork() {
        var rng = TestRNG(seed: 7)
        let x = rng.tensor([16, 6]), y = (0..<16).map { ($0 * 7) % 3 }
        var params = [rng.tensor([6, 8], -0.5, 0.5), Tensor(shape: [8]), rng.tensor([8, 3], -0.5, 0.5), Tensor(shape: [3])]
        var adam = Adam(learningRate: 1e-2, weightDecayMask: [true, false, true, false])
        let loss = SoftmaxCrossEntropy()
        var first: Float = 0, last: Float = 0
        for step in 0..<100 {
            let d1 = Dense(weight: params[0], bias: params[1].values)
            let d2 = Dense(weight: params[2], bias: params[3].values)
            let z1 = d1(x), h = z1.relu(), z2 = d2(h)
            let l = loss(logits: z2, labels: y)
            if step == 0 { first = l.loss }
            last = l.loss
            let g2 = DenseBackward(d2)(input: h, outputGradient: l.gradient)
            let g1 = DenseBackward(d1)(input: x, outputGradient: Activation.relu.backward(preActivation: z1, outputGradient: g2.input))
            var grads = [g1.weight, Tensor(shape: [8], values: g1.bias), g2.weight, Tensor(shape: [3], values: g2.bias)]
            GradientClipping.clipByGlobalNorm(&grads, maxNorm: 5)
            adam.update(&params, gradients: grads)
        }
        XCTAssertLessThan(last, 0.5 * first, "loss \(first) → \(last)")
    }
}
