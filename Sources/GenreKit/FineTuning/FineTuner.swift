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
    public func run(train: [FineTuneSong], valid: [FineTuneSong], labels: [String], stop: FineTuneStopFlag? = nil,
                    progress: (FineTuneEvent) -> Void = { _ in }) throws -> FineTuneResult {
        let o = options
        guard o.epochs >= 1, o.batchSize >= 1, o.segmentsPerSong >= 1 else {
            throw FineTuneError.invalidOption("epochs, batch size and segments per song must be at least 1")
        }
        guard o.dropout >= 0 && o.dropout < 1 else { throw FineTuneError.invalidOption("dropout \(o.dropout) must be in [0, 1)") }
        guard labels.count >= 2 else { throw FineTuneError.tooFewSongs("fine-tuning needs at least 2 classes, got \(labels.count)") }
        let started = Date()
        // 1. Spectrograms.
        let allSongs = train + valid
        var spectrograms = [SongSpectrogram?](repeating: nil, count: allSongs.count)
        var failures: [(String, String)] = []
        let decoded = Locked((results: [Result<SongSpectrogram, Error>?](repeating: nil, count: allSongs.count), done: 0))
        let paths = allSongs.map(\.path)
        let frontEnd = MusicnnFrontEnd()
        let group = DispatchGroup()
        let queue = DispatchQueue(label: "genrekit.finetune.decode", attributes: .concurrent)
        let semaphore = DispatchSemaphore(value: max(1, concurrency))
        for i in allSongs.indices {
            semaphore.wait()
            queue.async(group: group) {
                defer { semaphore.signal() }
                BLASThreads.withSingleThread {
                    let r = Result { try SongSpectrogram(path: paths[i], frontEnd: frontEnd) }
                    decoded.withLock { $0.results[i] = r; $0.done += 1 }
                }
            }
            progress(.decoding(done: decoded.withLock { $0.done }, total: allSongs.count))
        }
        group.wait()
        progress(.decoding(done: allSongs.count, total: allSongs.count))
        let decodedSongs = decoded.value.results
        for i in allSongs.indices {
            switch decodedSongs[i]! {
            case .success(let s): spectrograms[i] = s
            case .failure(let e): failures.append((allSongs[i].path, "\(e)"))
            }
        }
        let trainIdx = train.indices.filter { spectrograms[$0] != nil }
        let validIdx = valid.indices.map { train.count + $0 }.filter { spectrograms[$0] != nil }
        guard !trainIdx.isEmpty else { throw FineTuneError.tooFewSongs("no training song could be decoded") }
        var counts = [Int](repeating: 0, count: labels.count)
        for i in trainIdx { counts[allSongs[i].label] += 1 }

        // 2. Network, frozen part and caches.
        var net = try MusicnnTrainableNetwork(base: base, weights: weights, labels: labels, stage: o.stage, seed: o.seed)
        net.dropoutRate = o.dropout
        let frozen = try MusicnnModel(architecture: base, weights: weights)
        let length = Self.segmentFrames
        let itemSize = net.itemShape(frames: length).reduce(1, *)
        let live = o.stage == .all || o.augmentation.changesInput
        if o.stage != .all && o.augmentation.changesInput {
            progress(.note("input augmentation is on: the frozen \(o.stage == .head ? "network" : "part") runs on every training segment (no cache)"))
        }
        let hop = max(1, Int((o.segmentHop * Double(MusicnnInput.sampleRate) / Double(MusicnnInput.hopLength)).rounded()))
        /// The trained part's input for every grid segment of `songs`, computed by the frozen network.
        func stageInputs(_ songs: [Int], hop: Int) -> [[Float]] {
            let out = Locked([[Float]](repeating: [], count: songs.count))
            let chunk = 8
            let specs = songs.map { spectrograms[$0]! }
            DispatchQueue.concurrentPerform(iterations: songs.count) { k in
                let s = specs[k]
                var g = SeededGenerator(seed: 0)
                var values: [Float] = []
                BLASThreads.withSingleThread {
                    let starts = Array(stride(from: 0, through: s.lastStart(length: length), by: hop))
                    var lo = 0
                    while lo < starts.count {
                        let hi = min(starts.count, lo + chunk)
                        var patches: [Float] = []
                        for st in starts[lo..<hi] { patches += s.segment(start: st, length: length, generator: &g) }
                        values += frozen.stageInput(o.stage, patches: patches, count: hi - lo).values
                        lo = hi
                    }
                }
                out.withLock { $0[k] = values }
            }
            progress(.caching(done: songs.count, total: songs.count))
            return out.value
        }
        let trainCache: [[Float]] = live ? [] : stageInputs(trainIdx, hop: hop)
        let validCache = stageInputs(validIdx, hop: length)
        let preparation = Date().timeIntervalSince(started)

        // 3. Optimiser, schedule, loss.
        var optimizer: any Optimizer = o.optimizer == .adam
            ? Adam(learningRate: o.learningRate, weightDecay: o.weightDecay, weightDecayMask: net.weightDecayMask)
            : MomentumSGD(learningRate: o.learningRate, momentum: o.momentum, weightDecay: o.weightDecay, weightDecayMask: net.weightDecayMask)
        let segmentsPerEpoch = trainIdx.count * o.segmentsPerSong
        let batchesPerEpoch = (segmentsPerEpoch + o.batchSize - 1) / o.batchSize
        let cosine = LearningRateSchedule.cosine(initial: o.learningRate, decaySteps: max(1, batchesPerEpoch * o.epochs))
        var plateau = ReduceLROnPlateau(initial: o.learningRate, factor: 0.1, patience: 5)
        var classWeights: [Float]? = nil
        if o.balance == .weights {
            let n = Float(trainIdx.count), k = Float(labels.count)
            classWeights = counts.map { $0 > 0 ? n / (k * Float($0)) : 0 }
        }
        let loss = SoftmaxCrossEntropy(classWeights: classWeights)
        let fb = MelSpectrogram.musicnn.filterbank

        // 4. Epochs.
        let initial = validIdx.isEmpty ? nil
            : Self.validate(net, validCache, labels: validIdx.map { allSongs[$0].label }, itemShape: net.itemShape(frames: length)).loss
        if let initial { progress(.note(String(format: "validation loss before training: %.4f", initial))) }
        var best = net, bestEpoch = 0, bestLoss = Double.infinity, sinceBest = 0
        var history: [FineTuneEpoch] = []
        var stopReason = FineTuneResult.StopReason.completed
        var step = 0, trainedSegments = 0, trainSeconds = 0.0
        epochs: for epoch in 1...o.epochs {
            let epochStart = Date()
            var g = SeededGenerator(seed: o.seed &+ 0x9E37_79B9 &* UInt64(epoch))
            // Songs of this epoch (oversampling draws them ∝ 1/class size), then segments.
            var songs: [Int] = trainIdx
            if o.balance == .oversample {
                let w = trainIdx.map { 1 / Double(counts[allSongs[$0].label]) }
                let total = w.reduce(0, +)
                songs = trainIdx.map { _ in
                    var u = g.nextUnit() * total
                    for (k, wk) in w.enumerated() { u -= wk; if u <= 0 { return trainIdx[k] } }
                    return trainIdx.last!
                }
            }
            var segments: [(song: Int, position: Int)] = []
            for s in songs {
                let spec = spectrograms[s]!
                for _ in 0..<o.segmentsPerSong {
                    if live {
                        segments.append((s, Int(g.next() % UInt64(spec.lastStart(length: length) + 1))))
                    } else {
                        let k = trainIdx.firstIndex(of: s)!
                        segments.append((k, Int(g.next() % UInt64(trainCache[k].count / itemSize))))
                    }
                }
            }
            g.shuffle(&segments)
            var lossSum = 0.0, batches = 0
            var b0 = 0
            while b0 < segments.count {
                let batch = segments[b0..<min(segments.count, b0 + o.batchSize)]
                let n = batch.count
                var values = [Float]()
                values.reserveCapacity(n * itemSize)
                var ys: [Int] = []
                if live {
                    var patches = [Float]()
                    for (s, start) in batch {
                        patches += spectrograms[s]!.segment(start: start, length: length, augmentation: o.augmentation,
                                                            filterbank: fb, generator: &g)
                        ys.append(allSongs[s].label)
                    }
                    values = o.stage == .all ? patches : frozen.stageInput(o.stage, patches: patches, count: n).values
                } else {
                    for (k, w) in batch {
                        values += trainCache[k][(w * itemSize)..<((w + 1) * itemSize)]
                        ys.append(allSongs[trainIdx[k]].label)
                    }
                }
                var input = Tensor(shape: [n] + net.itemShape(frames: length), values: values)
                var lambda: Float = 1
                var partner: [Int] = Array(0..<n)
                if o.augmentation.mixupAlpha > 0 && n > 1 {
                    lambda = Float(SegmentAugmentation.beta(Double(o.augmentation.mixupAlpha), generator: &g))
                    g.shuffle(&partner)
                    let mixed = Self.mix(input, partner: partner, lambda: lambda)
                    input = mixed
                }
                let (logits, tape) = net.forwardTraining(input, generator: &g)
                var result = loss(logits: logits, labels: ys)
                if lambda < 1 {
                    let other = loss(logits: logits, labels: partner.map { ys[$0] })
                    result.loss = lambda * result.loss + (1 - lambda) * other.loss
                    for i in result.gradient.values.indices {
                        result.gradient.values[i] = lambda * result.gradient.values[i] + (1 - lambda) * other.gradient.values[i]
                    }
                }
                var grads = net.backward(tape, logitsGradient: result.gradient)
                if let c = o.clipNorm { GradientClipping.clipByGlobalNorm(&grads, maxNorm: c) }
                var params = net.parameters
                if o.schedule == .cosine { optimizer.learningRate = cosine.rate(atStep: step) }
                optimizer.update(&params, gradients: grads)
                net.setParameters(params)
                step += 1
                lossSum += Double(result.loss); batches += 1
                trainedSegments += n
                b0 += n
                progress(.batch(epoch: epoch, done: batches, total: batchesPerEpoch))
                if stop?.isSet == true { stopReason = .interrupted; break }
            }
            trainSeconds += Date().timeIntervalSince(epochStart)
            var record = FineTuneEpoch(epoch: epoch, trainLoss: lossSum / Double(max(batches, 1)), validLoss: nil,
                                       validSegmentAccuracy: nil, validSongAccuracy: nil, learningRate: optimizer.learningRate,
                                       seconds: 0, segments: segments.count)
            if !validIdx.isEmpty {
                let v = Self.validate(net, validCache, labels: validIdx.map { allSongs[$0].label }, itemShape: net.itemShape(frames: length))
                record.validLoss = v.loss; record.validSegmentAccuracy = v.segmentAccuracy; record.validSongAccuracy = v.songAccuracy
                if v.loss < bestLoss { bestLoss = v.loss; best = net; bestEpoch = epoch; sinceBest = 0 } else { sinceBest += 1 }
                if o.schedule == .plateau { optimizer.learningRate = plateau.update(metric: Float(v.loss)) }
            } else {
                best = net; bestEpoch = epoch
            }
            record.seconds = Date().timeIntervalSince(epochStart)
            history.append(record)
            progress(.epoch(record))
            if stopReason == .interrupted { break epochs }
            if let p = o.patience, !validIdx.isEmpty, sinceBest >= p { stopReason = .earlyStopping; break epochs }
        }
        return FineTuneResult(network: best, bestEpoch: bestEpoch, history: history, stopReason: stopReason,
                              failures: failures, initialValidLoss: initial, preparationSeconds: preparation,
                              segmentsPerSecond: Double(trainedSegments) / max(trainSeconds, 1e-9))
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
