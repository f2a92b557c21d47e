import Foundation
import GenreKitCore

/// A song classifier that pools its windows by learned attention (Ilse et al. 2018, gated-free form), trained on
/// songs rather than windows. For a song's standardised window embeddings `x_1 … x_W` (`d` values each):
///
///     a_w = vᵀ tanh(U x_w + b)          (attention score, U: h × d)
///     α_w = exp(a_w) / Σ_u exp(a_u)     (attention weight)
///     s   = Σ_w α_w x_w                 (song embedding)
///     p   = softmax(C s + c)            (class probabilities, C: k × d)
///
/// trained by full-batch Adam on the mean over songs of `−log p_y + β·KL(α ‖ uniform)` (the entropy prior:
/// `KL = Σ_w α_w log α_w + log W`, 0 for equal weights) plus `λ/2 (|U|² + |v|² + |C|²)`.
///
/// Built to hold up on a few dozen songs of 700-odd features:
/// - it starts at mean pooling: `v = 0` (every window weighs `1/W`), `C = 0`, `c = 0`; `U` is seeded Glorot-uniform;
/// - the prior pulls the weights toward uniform unless the songs' labels pay for looking at fewer windows;
/// - the number of epochs (early stopping) and `λ` (from ``l2Candidates``) are chosen by stratified
///   ``validationFolds``-fold cross-validation over the training songs (a song is never split: the head sees whole
///   songs), minimising the mean held-out `−log p_y`; then the head is fitted on all songs for that many epochs.
///
/// Deterministic for a given seed and data.
public struct AttentionPooling: Codable, Sendable, Equatable {
    public var hidden: Int
    /// `λ`; after ``fit(songs:labels:classCount:)`` with several ``l2Candidates``, the one chosen.
    public var l2: Double
    public var learningRate: Double
    /// The most epochs; after fitting with cross-validation, the number chosen (at least 1).
    public var epochs: Int
    public var seed: UInt64
    /// `β`, the weight of the prior toward uniform attention.
    public var entropyWeight: Double
    /// Folds for choosing epochs and `λ` (fewer than 2, or fewer than two songs per fold: no selection).
    public var validationFolds: Int
    /// `λ` values tried by cross-validation (empty: ``l2`` alone).
    public var l2Candidates: [Double]

    public private(set) var scaler = StandardScaler()
    public private(set) var classCount = 0
    public private(set) var featureCount = 0
    /// Row-major `U` (`h × d`), `b` (`h`), `v` (`h`), `C` (`k × d`), `c` (`k`).
    public private(set) var u: [Double] = []
    public private(set) var b: [Double] = []
    public private(set) var v: [Double] = []
    public private(set) var c: [Double] = []
    public private(set) var cBias: [Double] = []
    /// Training loss after each epoch of the final fit.
    public private(set) var lossCurve: [Double] = []
    /// Mean held-out `−log p_y` per `λ` candidate (in ``l2Candidates`` order) after `0 … maxEpochs` epochs; empty
    /// when no cross-validation ran.
    public private(set) var validationCurves: [[Double]] = []

    /// The `λ` grid `train --aggregate attention` searches.
    public static let defaultL2Candidates: [Double] = [1e-2, 1e-1, 1]

    public init(hidden: Int = 4, l2: Double = 1e-1, learningRate: Double = 1e-2, epochs: Int = 300, seed: UInt64 = 0,
                entropyWeight: Double = 0.01, validationFolds: Int = 5, l2Candidates: [Double] = []) {
        self.hidden = hidden; self.l2 = l2; self.learningRate = learningRate; self.epochs = epochs; self.seed = seed
        self.entropyWeight = entropyWeight; self.validationFolds = validationFolds; self.l2Candidates = l2Candidates
    }

    /// The parameters as one vector (`U, b, v, C, c`).
    public var parameters: [Double] {
        get { u + b + v + c + cBias }
        set {
            let (h, d, k) = (hidden, featureCount, classCount)
            var i = 0
            func take(_ n: Int) -> [Double] { defer { i += n }; return Array(newValue[i..<(i + n)]) }
            u = take(h * d); b = take(h); v = take(h); c = take(k * d); cBias = take(k)
        }
    }

    /// Fits on songs, each a `windows × d` matrix of raw window features, with their class labels: chooses epochs
    /// and `λ` by cross-validation over the songs when there are enough, then fits on all of them.
    public mutating func fit(songs: [Matrix], labels: [Int], classCount k: Int) throws {
        guard !songs.isEmpty, songs.count == labels.count else { throw LearningError.invalidArgument("attention pooling: no songs or labels") }
        let d = songs[0].cols
        guard songs.allSatisfy({ $0.cols == d && $0.rows > 0 }) else {
            throw LearningError.invalidArgument("attention pooling: every song needs at least one window of \(d) features")
        }
        let all = Matrix(rows: songs.reduce(0) { $0 + $1.rows }, cols: d, values: songs.flatMap(\.values))
        scaler = StandardScaler()
        scaler.fit(all)
        let xs = songs.map { scaler.transform($0) }
        featureCount = d; classCount = k
        let grid = l2Candidates.isEmpty ? [l2] : l2Candidates
        validationCurves = []
        if validationFolds >= 2 && songs.count >= 2 * validationFolds {
            let splits = try StratifiedKFold(splits: validationFolds, seed: seed).split(labels)
            var best = (loss: Double.infinity, l2: l2, epochs: epochs)
            for lambda in grid {
                var curve = [Double](repeating: 0, count: epochs + 1)
                for (train, held) in splits {
                    var fold = self
                    fold.l2 = lambda
                    let heldOut = (held.map { xs[$0] }, held.map { labels[$0] })
                    let losses = fold.train(train.map { xs[$0] }, train.map { labels[$0] }, epochs: epochs, validation: heldOut)
                    for e in curve.indices { curve[e] += losses[e] / Double(splits.count) }
                }
                validationCurves.append(curve)
                for e in 1..<curve.count where curve[e] < best.loss { best = (curve[e], lambda, e) }
            }
            l2 = best.l2; epochs = best.epochs
        } else {
            l2 = grid[0]
        }
        lossCurve = []
        _ = train(xs, labels, epochs: max(1, epochs), validation: nil)
    }

    /// Initialises from ``seed`` and runs `epochs` full-batch Adam steps on standardised songs, recording
    /// ``lossCurve``; returns the mean held-out `−log p_y` after `0 … epochs` steps (empty without `validation`).
    mutating func train(_ xs: [Matrix], _ labels: [Int], epochs: Int,
                        validation: (songs: [Matrix], labels: [Int])?) -> [Double] {
        initialise()
        var adam = AdamState(sizes: [u.count, b.count, v.count, c.count, cBias.count])
        var heldLosses: [Double] = []
        func heldLoss() -> Double {
            guard let validation else { return 0 }
            let total = zip(validation.songs, validation.labels).reduce(0.0) { $0 - log(max(forward($1.0).p[$1.1], 1e-300)) }
            return total / Double(max(1, validation.songs.count))
        }
        if validation != nil { heldLosses.append(heldLoss()) }
        lossCurve = []
        let n = Double(xs.count)
        for _ in 0..<epochs {
            var g = Gradient(self)
            var loss = 0.0
            for (x, y) in zip(xs, labels) { loss += accumulate(x, label: y, into: &g) }
            g.scale(1 / n)
            loss /= n
            // λ/2 (|U|² + |v|² + |C|²) and its gradient.
            var reg = 0.0
            for i in u.indices { reg += u[i] * u[i]; g.u[i] += l2 * u[i] }
            for i in v.indices { reg += v[i] * v[i]; g.v[i] += l2 * v[i] }
            for i in c.indices { reg += c[i] * c[i]; g.c[i] += l2 * c[i] }
            lossCurve.append(loss + l2 / 2 * reg)
            let step = adam.step(grads: [g.u, g.b, g.v, g.c, g.cBias], learningRate: learningRate)
            for i in u.indices { u[i] -= step[0][i] }
            for i in b.indices { b[i] -= step[1][i] }
            for i in v.indices { v[i] -= step[2][i] }
            for i in c.indices { c[i] -= step[3][i] }
            for i in cBias.indices { cBias[i] -= step[4][i] }
            if validation != nil { heldLosses.append(heldLoss()) }
        }
        return heldLosses
    }

    /// Mean pooling to start: `v`, `C`, `c`, `b` zero; `U` Glorot-uniform from ``seed`` (so the scores can move
    /// once `v` does).
    mutating func initialise() {
        let (h, d, k) = (hidden, featureCount, classCount)
        var g = SeededGenerator(seed: seed)
        let bound = (6.0 / Double(d + h)).squareRoot()
        u = (0..<(h * d)).map { _ in (g.nextUnit() * 2 - 1) * bound }
        b = [Double](repeating: 0, count: h); v = b
        c = [Double](repeating: 0, count: k * d); cBias = [Double](repeating: 0, count: k)
    }

    /// Class probabilities and attention weights of one song (`windows × d`, raw features).
    public func predict(_ song: Matrix) -> (probabilities: [Double], weights: [Double]) {
        let f = forward(scaler.transform(song))
        return (f.p, f.alpha)
    }

    /// `−log p_y + β·KL(α ‖ uniform)` of one song (raw features) and its gradient with respect to ``parameters``
    /// (no L2 term).
    public func lossGradient(_ song: Matrix, label: Int) -> (loss: Double, gradient: [Double]) {
        var g = Gradient(self)
        let loss = accumulate(scaler.transform(song), label: label, into: &g)
        return (loss, g.u + g.b + g.v + g.c + g.cBias)
    }
}

extension AttentionPooling {
    private enum CodingKeys: String, CodingKey {
        case hidden, l2, learningRate, epochs, seed, entropyWeight, validationFolds, l2Candidates
        case scaler, classCount, featureCount, u, b, v, c, cBias, lossCurve, validationCurves
    }

    /// Reads heads written before the entropy prior and cross-validation existed (they get `β = 0`, no folds).
    public init(from decoder: Decoder) throws {
        let s = try decoder.container(keyedBy: CodingKeys.self)
        hidden = try s.decode(Int.self, forKey: .hidden); l2 = try s.decode(Double.self, forKey: .l2)
        learningRate = try s.decode(Double.self, forKey: .learningRate); epochs = try s.decode(Int.self, forKey: .epochs)
        seed = try s.decode(UInt64.self, forKey: .seed)
        entropyWeight = try s.decodeIfPresent(Double.self, forKey: .entropyWeight) ?? 0
        validationFolds = try s.decodeIfPresent(Int.self, forKey: .validationFolds) ?? 0
        l2Candidates = try s.decodeIfPresent([Double].self, forKey: .l2Candidates) ?? []
        scaler = try s.decode(StandardScaler.self, forKey: .scaler)
        classCount = try s.decode(Int.self, forKey: .classCount); featureCount = try s.decode(Int.self, forKey: .featureCount)
        u = try s.decode([Double].self, forKey: .u); b = try s.decode([Double].self, forKey: .b)
        v = try s.decode([Double].self, forKey: .v); c = try s.decode([Double].self, forKey: .c)
        cBias = try s.decode([Double].self, forKey: .cBias)
        lossCurve = try s.decodeIfPresent([Double].self, forKey: .lossCurve) ?? []
        validationCurves = try s.decodeIfPresent([[Double]].self, forKey: .validationCurves) ?? []
    }
}
