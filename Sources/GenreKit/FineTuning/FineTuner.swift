import Foundation
import GenreKitCore
import GenreKitDSP
import GenreKitLearning
import GenreKitModels
import GenreKitNN

/// Fine-tunes a pre-trained musicnn network on the user's classes (seed paper 003): a new output layer, the parts
/// from ``FineTuneOptions/stage`` on trained on random 3-s segments (``FineTuneOptions/segmentsPerSong`` per song
/// and epoch) with softmax cross-entropy, the epoch with the lowest validation loss kept.
///
/// Frozen parts run once: for `head`, `backend` and `midend` the trained part's input is computed for every
/// segment of a grid (hop ``FineTuneOptions/segmentHop``) of every training song and cached in memory; epochs
/// sample from that grid. `all` (or any input augmentation) cuts segments at any frame and runs the network on
/// them. Validation uses the back-to-back 3-s windows of each validation song, as `genrekit evaluate` does.
/// Everything random (segments, dropout, augmentation, the new layer) follows ``FineTuneOptions/seed``.
/// The training GEMMs run in ``FineTuneOptions/precision`` (bf16 where the CPU has AVX512-BF16, else fp32; the
/// caller prints ``InferencePrecision/effectiveHere``'s notice); validation always runs fp32.
public struct FineTuner: Sendable {
    public var options: FineTuneOptions
    /// The pre-trained network.
    public let base: ModelArchitecture
    public let weights: DictionaryWeights
    /// Songs decoded at once.
    public var concurrency = ProcessInfo.processInfo.activeProcessorCount

    /// Segment length in frames (3 s).
    public static let segmentFrames = MusicnnInput.windowFrames

    public init(base: ModelArchitecture, weights: WeightSource, options: FineTuneOptions) throws {
        guard base.kind == .musicnn else { throw ModelLoadError.notFineTunable(model: base.name) }
        var all: [String: Tensor] = [:]
        for name in weights.weightNames where !Checkpoint.isTrainingState(name, includingGlobalStep: true) {
            let w = try weights.weight(named: name)
            all[name] = Tensor(shape: w.shape, values: w.values)
        }
        self.base = base
        self.weights = DictionaryWeights(all)
        self.options = options
    }

    /// Loads the published model `name` (or `random_musicnn`, i.e. training from scratch) from `store`.
    public init(baseModel name: String, store: ModelStore = ModelStore(), options: FineTuneOptions) throws {
        if name == RandomMusicnnWeights.modelName {
            try self.init(base: RandomMusicnnWeights.architecture, weights: RandomMusicnnWeights.make(), options: options)
            return
        }
        guard let arch = ModelArchitecture.named(name) else { throw ModelLoadError.unknownModel(name: name) }
        try self.init(base: arch, weights: store.checkpoint(for: name), options: options)
    }

    /// Runs the training. `progress` is called from the calling thread.
    ///
    /// The steps: decode the songs (``DecodedSongs``), run the frozen part once over a grid of segments
    /// (``FrozenStageCache``), then per epoch draw segments (``EpochSampler``), train on them batch by batch
    /// (``FineTuneStep``), validate and keep the best epoch (``BestEpochTracker``).
    public func run(train: [FineTuneSong], valid: [FineTuneSong], labels: [String], stop: FineTuneStopFlag? = nil,
                    progress: (FineTuneEvent) -> Void = { _ in }) throws -> FineTuneResult {
        let o = options
        try Self.check(o, labels: labels)
        let started = Date()
        let songs = try DecodedSongs(train: train, valid: valid, labelCount: labels.count, concurrency: concurrency, progress: progress)
        var net = try MusicnnTrainableNetwork(base: base, weights: weights, labels: labels, stage: o.stage, seed: o.seed)
        net.dropoutRate = o.dropout
        net.gemmPrecision = o.precision.effectiveHere.precision
        let frozen = try FrozenStageCache(songs: songs, model: MusicnnModel(architecture: base, weights: weights), options: o,
                                          itemShape: net.itemShape(frames: Self.segmentFrames), progress: progress)
        let preparation = Date().timeIntervalSince(started)
        var step = FineTuneStep(network: net, options: o, songs: songs, frozen: frozen,
                                batchesPerEpoch: (songs.trainIndices.count * o.segmentsPerSong + o.batchSize - 1) / o.batchSize)
        let sampler = EpochSampler(songs: songs, frozen: frozen, options: o)
        let validLabels = songs.validIndices.map { songs.songs[$0].label }
        let initial = songs.validIndices.isEmpty ? nil : Self.validate(step.network, frozen.validInputs, labels: validLabels, itemShape: frozen.itemShape).loss
        if let initial { progress(.note(String(format: "validation loss before training: %.4f", initial))) }
        var tracker = BestEpochTracker(network: step.network, patience: songs.validIndices.isEmpty ? nil : o.patience)
        var history: [FineTuneEpoch] = []
        var stopReason = FineTuneResult.StopReason.completed
        var trainedSegments = 0, trainSeconds = 0.0
        for epoch in 1...o.epochs {
            let epochStart = Date()
            var g = SeededGenerator(seed: o.seed &+ 0x9E37_79B9 &* UInt64(epoch))
            let segments = sampler.segments(generator: &g)
            let trained = step.epoch(epoch, segments: segments, generator: &g, stop: stop, progress: progress)
            if trained.interrupted { stopReason = .interrupted }
            trainedSegments += trained.segments
            trainSeconds += Date().timeIntervalSince(epochStart)
            var record = FineTuneEpoch(epoch: epoch, trainLoss: trained.meanLoss, validLoss: nil, validSegmentAccuracy: nil,
                                       validSongAccuracy: nil, learningRate: step.optimizer.learningRate, seconds: 0, segments: segments.count)
            if songs.validIndices.isEmpty {
                tracker.record(step.network, epoch: epoch, validLoss: nil)
            } else {
                let v = Self.validate(step.network, frozen.validInputs, labels: validLabels, itemShape: frozen.itemShape)
                record.validLoss = v.loss; record.validSegmentAccuracy = v.segmentAccuracy; record.validSongAccuracy = v.songAccuracy
                tracker.record(step.network, epoch: epoch, validLoss: v.loss)
                step.endOfEpoch(validLoss: v.loss)
            }
            record.seconds = Date().timeIntervalSince(epochStart)
            history.append(record)
            progress(.epoch(record))
            if stopReason == .interrupted { break }
            if tracker.shouldStop { stopReason = .earlyStopping; break }
        }
        return FineTuneResult(network: tracker.best, bestEpoch: tracker.bestEpoch, history: history, stopReason: stopReason,
                              failures: songs.failures, initialValidLoss: initial, preparationSeconds: preparation,
                              segmentsPerSecond: Double(trainedSegments) / max(trainSeconds, 1e-9), precision: net.gemmPrecision)
    }

    /// Refuses options and labels a run cannot work with.
    static func check(_ o: FineTuneOptions, labels: [String]) throws {
        guard o.epochs >= 1, o.batchSize >= 1, o.segmentsPerSong >= 1 else {
            throw FineTuneError.invalidOption("epochs, batch size and segments per song must be at least 1")
        }
        guard o.dropout >= 0 && o.dropout < 1 else { throw FineTuneError.invalidOption("dropout \(o.dropout) must be in [0, 1)") }
        guard o.precision != .int8 else { throw FineTuneError.invalidOption("fine-tuning runs in fp32 or bf16; int8 is an inference precision") }
        guard labels.count >= 2 else { throw FineTuneError.tooFewSongs("fine-tuning needs at least 2 classes, got \(labels.count)") }
    }

    /// `λ·x + (1 − λ)·x[partner]` along the batch axis.
    static func mix(_ x: Tensor, partner: [Int], lambda: Float) -> Tensor {
        let n = x.shape[0], d = x.count / max(n, 1)
        var y = x
        x.values.withUnsafeBufferPointer { src in
            y.values.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    let a = i * d, b = partner[i] * d
                    for j in 0..<d { dst[a + j] = lambda * src[a + j] + (1 - lambda) * src[b + j] }
                }
            }
        }
        return y
    }

    /// Validation loss (mean cross-entropy over windows), window and song (majority vote) accuracy.
    static func validate(_ net: MusicnnTrainableNetwork, _ inputs: [[Float]], labels: [Int], itemShape: [Int])
        -> (loss: Double, segmentAccuracy: Double, songAccuracy: Double) {
        let itemSize = itemShape.reduce(1, *)
        var lossSum = 0.0, windows = 0, correct = 0, songsCorrect = 0
        let ce = SoftmaxCrossEntropy()
        for (song, values) in inputs.enumerated() {
            let count = values.count / itemSize
            guard count > 0 else { continue }
            var probs: [Double] = [], predicted: [Int] = []
            var lo = 0
            while lo < count {
                let hi = min(count, lo + 32)
                let logits = net.forwardInference(Tensor(shape: [hi - lo] + itemShape, values: Array(values[(lo * itemSize)..<(hi * itemSize)])))
                lossSum += Double(ce(logits: logits, labels: [Int](repeating: labels[song], count: hi - lo)).loss) * Double(hi - lo)
                let p = logits.softmax()
                let k = p.shape[1]
                for r in 0..<(hi - lo) {
                    let row = Array(p.values[(r * k)..<((r + 1) * k)])
                    probs += row.map(Double.init)
                    let arg = row.indices.max { row[$0] < row[$1] }!
                    predicted.append(arg)
                    if arg == labels[song] { correct += 1 }
                }
                lo = hi
            }
            windows += count
            let k = probs.count / count
            let vote = SongAggregation.vote.aggregate(Matrix(rows: count, cols: k, values: probs), windowLabels: predicted)
            if vote.label == labels[song] { songsCorrect += 1 }
        }
        return (lossSum / Double(max(windows, 1)), Double(correct) / Double(max(windows, 1)),
                Double(songsCorrect) / Double(max(inputs.count, 1)))
    }
}
