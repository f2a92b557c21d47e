import GenreKitCore
import GenreKitDSP
import GenreKitModels
import GenreKitNN

/// The optimisation of a fine-tuning run: batches of segments through the trained part (mixup, loss, clipping,
/// optimiser step), the learning-rate schedule, and class weights from the training songs.
struct FineTuneStep {
    private(set) var network: MusicnnTrainableNetwork
    private(set) var optimizer: any Optimizer
    let options: FineTuneOptions
    let songs: DecodedSongs
    let frozen: FrozenStageCache
    let batchesPerEpoch: Int
    private let loss: SoftmaxCrossEntropy
    private let cosine: LearningRateSchedule
    private var plateau: ReduceLROnPlateau
    private var step = 0
    private let filterbank = MelSpectrogram.musicnn.filterbank

    init(network: MusicnnTrainableNetwork, options o: FineTuneOptions, songs: DecodedSongs, frozen: FrozenStageCache, batchesPerEpoch: Int) {
        self.network = network
        optimizer = o.optimizer == .adam
            ? Adam(learningRate: o.learningRate, weightDecay: o.weightDecay, weightDecayMask: network.weightDecayMask)
            : MomentumSGD(learningRate: o.learningRate, momentum: o.momentum, weightDecay: o.weightDecay, weightDecayMask: network.weightDecayMask)
        options = o
        self.songs = songs
        self.frozen = frozen
        self.batchesPerEpoch = batchesPerEpoch
        cosine = .cosine(initial: o.learningRate, decaySteps: max(1, batchesPerEpoch * o.epochs))
        plateau = ReduceLROnPlateau(initial: o.learningRate, factor: 0.1, patience: 5)
        var classWeights: [Float]? = nil
        if o.balance == .weights {
            let n = Float(songs.trainIndices.count), k = Float(songs.classCounts.count)
            classWeights = songs.classCounts.map { $0 > 0 ? n / (k * Float($0)) : 0 }
        }
        loss = SoftmaxCrossEntropy(classWeights: classWeights)
    }

    /// Trains on `segments` batch by batch; stops after the current batch when `stop` is set.
    mutating func epoch(_ epoch: Int, segments: [(song: Int, position: Int)], generator g: inout SeededGenerator,
                        stop: FineTuneStopFlag?, progress: (FineTuneEvent) -> Void) -> (meanLoss: Double, segments: Int, interrupted: Bool) {
        var lossSum = 0.0, batches = 0, trained = 0
        var b0 = 0
        while b0 < segments.count {
            let batch = segments[b0..<min(segments.count, b0 + options.batchSize)]
            lossSum += Double(train(batch, generator: &g)); batches += 1
            trained += batch.count
            b0 += batch.count
            progress(.batch(epoch: epoch, done: batches, total: batchesPerEpoch))
            if stop?.isSet == true { return (lossSum / Double(max(batches, 1)), trained, true) }
        }
        return (lossSum / Double(max(batches, 1)), trained, false)
    }

    /// After an epoch with validation: the plateau schedule sees its loss.
    mutating func endOfEpoch(validLoss: Double) {
        if options.schedule == .plateau { optimizer.learningRate = plateau.update(metric: Float(validLoss)) }
    }

    /// One optimiser step on `batch`; returns its loss.
    private mutating func train(_ batch: ArraySlice<(song: Int, position: Int)>, generator g: inout SeededGenerator) -> Float {
        let n = batch.count
        let (values, ys) = inputs(batch, generator: &g)
        var input = Tensor(shape: [n] + frozen.itemShape, values: values)
        var lambda: Float = 1
        var partner: [Int] = Array(0..<n)
        if options.augmentation.mixupAlpha > 0 && n > 1 {
            lambda = Float(SegmentAugmentation.beta(Double(options.augmentation.mixupAlpha), generator: &g))
            g.shuffle(&partner)
            input = FineTuner.mix(input, partner: partner, lambda: lambda)
        }
        let (logits, tape) = network.forwardTraining(input, generator: &g)
        var result = loss(logits: logits, labels: ys)
        if lambda < 1 {
            let other = loss(logits: logits, labels: partner.map { ys[$0] })
            result.loss = lambda * result.loss + (1 - lambda) * other.loss
            for i in result.gradient.values.indices {
                result.gradient.values[i] = lambda * result.gradient.values[i] + (1 - lambda) * other.gradient.values[i]
            }
        }
        var grads = network.backward(tape, logitsGradient: result.gradient)
        if let c = options.clipNorm { GradientClipping.clipByGlobalNorm(&grads, maxNorm: c) }
        var params = network.parameters
        if options.schedule == .cosine { optimizer.learningRate = cosine.rate(atStep: step) }
        optimizer.update(&params, gradients: grads)
        network.setParameters(params)
        step += 1
        return result.loss
    }

    /// The trained part's input for `batch` and its labels: cut live (augmented, through the frozen part) or read
    /// from the cache.
    private func inputs(_ batch: ArraySlice<(song: Int, position: Int)>, generator g: inout SeededGenerator) -> ([Float], [Int]) {
        let n = batch.count, itemSize = frozen.itemSize
        var values = [Float]()
        values.reserveCapacity(n * itemSize)
        var ys: [Int] = []
        if frozen.live {
            var patches = [Float]()
            for (s, start) in batch {
                patches += songs.spectrograms[s]!.segment(start: start, length: FineTuner.segmentFrames, augmentation: options.augmentation,
                                                          filterbank: filterbank, generator: &g)
                ys.append(songs.songs[s].label)
            }
            values = options.stage == .all ? patches : frozen.model.stageInput(options.stage, patches: patches, count: n).values
        } else {
            for (k, w) in batch {
                values += frozen.trainInputs[k][(w * itemSize)..<((w + 1) * itemSize)]
                ys.append(songs.songs[songs.trainIndices[k]].label)
            }
        }
        return (values, ys)
    }
}
