import GenreKitCore

/// The training loop both perceptrons share: mini-batch Adam over shuffled rows, and early stopping on a watched
/// loss (held-out when there are held-out rows, else the epoch's training loss): training stops when the loss has
/// not improved by more than `tolerance` for more than `patience` epochs, and with held-out rows the weights of
/// the lowest held-out loss are kept.
struct PerceptronTrainer {
    let settings: MultilayerPerceptronSettings

    /// What a run did.
    struct Outcome {
        var epochs = 0
        /// Mean training loss per epoch.
        var lossCurve: [Double] = []
        /// Held-out loss per epoch (empty without held-out rows).
        var validationLosses: [Double] = []
    }

    /// Trains `network` on `rows`, drawing batch orders from `rng`.
    /// - Parameters:
    ///   - batchLoss: a batch's mean weighted loss, gradients `[∂W₁, ∂b₁, ∂W₂, ∂b₂]` and total sample weight.
    ///   - validationLoss: the held-out loss of a network (nil: no held-out rows; the training loss is watched).
    func train(_ network: inout HiddenLayerNetwork, rows: [Int], generator rng: inout SeededGenerator,
               batchLoss: (HiddenLayerNetwork, [Int]) -> (loss: Double, gradients: [[Double]], weight: Double),
               validationLoss: ((HiddenLayerNetwork) -> Double)?) -> Outcome {
        let s = settings
        var order = rows
        var adam = AdamState(sizes: [network.w1.count, network.b1.count, network.w2.count, network.b2.count])
        var best = network
        var bestLoss = Double.infinity
        var stale = 0
        var outcome = Outcome()
        for _ in 0..<s.maxEpochs {
            rng.shuffle(&order)
            var epochLoss = 0.0, epochWeight = 0.0
            for start in stride(from: 0, to: order.count, by: s.batchSize) {
                let batch = Array(order[start..<min(start + s.batchSize, order.count)])
                let (loss, grads, wsum) = batchLoss(network, batch)
                epochLoss += loss * wsum
                epochWeight += wsum
                network.subtract(adam.step(grads: grads, learningRate: s.learningRate))
            }
            outcome.epochs += 1
            let meanLoss = epochWeight > 0 ? epochLoss / epochWeight : 0
            outcome.lossCurve.append(meanLoss)
            var watched = meanLoss
            if let validationLoss {
                watched = validationLoss(network)
                outcome.validationLosses.append(watched)
            }
            if watched < bestLoss - s.tolerance { stale = 0 } else { stale += 1 }
            if watched < bestLoss { bestLoss = watched; best = network }
            if stale > s.patience { break }
        }
        if validationLoss != nil { network = best }
        return outcome
    }
}
