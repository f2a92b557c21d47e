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
/// trained by full-batch Adam on the mean song cross-entropy `−log p_y` plus `λ/2 (|U|² + |v|² + |C|²)`, from a
/// seeded Glorot-uniform start: deterministic for a given seed and data.
public struct AttentionPooling: Codable, Sendable, Equatable {
    public var hidden: Int
    public var l2: Double
    public var learningRate: Double
    public var epochs: Int
    public var seed: UInt64

    public private(set) var scaler = StandardScaler()
    public private(set) var classCount = 0
    public private(set) var featureCount = 0
    /// Row-major `U` (`h × d`), `b` (`h`), `v` (`h`), `C` (`k × d`), `c` (`k`).
    public private(set) var u: [Double] = []
    public private(set) var b: [Double] = []
    public private(set) var v: [Double] = []
    public private(set) var c: [Double] = []
    public private(set) var cBias: [Double] = []
    /// Training loss after each epoch.
    public private(set) var lossCurve: [Double] = []

    public init(hidden: Int = 16, l2: Double = 1e-3, learningRate: Double = 1e-2, epochs: Int = 300, seed: UInt64 = 0) {
        self.hidden = hidden; self.l2 = l2; self.learningRate = learningRate; self.epochs = epochs; self.seed = seed
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

    /// Fits on songs, each a `windows × d` matrix of raw window features, with their class labels.
    public mutating func fit(songs: [Matrix], labels: [Int], classCount k: Int) throws {
        guard !songs.isEmpty, songs.count == labels.count else { throw LearningError.invalidArgument("attention pooling: no songs or labels") }
        let d = songs[0].cols
        var all = Matrix(rows: 0, cols: d)
        all = Matrix(rows: songs.reduce(0) { $0 + $1.rows }, cols: d, values: songs.flatMap(\.values))
        scaler = StandardScaler()
        scaler.fit(all)
        let xs = songs.map { scaler.transform($0) }
        initialise(features: d, classes: k)
        var adam = AdamState(sizes: [parameters.count])
        lossCurve = []
        for _ in 0..<max(1, epochs) {
            var grad = [Double](repeating: 0, count: parameters.count), loss = 0.0
            for (x, y) in zip(xs, labels) {
                let (l, g) = standardisedLossGradient(x, label: y)
                loss += l
                for i in grad.indices { grad[i] += g[i] }
            }
            let n = Double(xs.count)
            var p = parameters
            let (reg, regGrad) = regularisation(p)
            for i in grad.indices { grad[i] = grad[i] / n + regGrad[i] }
            lossCurve.append(loss / n + reg)
            let step = adam.step(grads: [grad], learningRate: learningRate)[0]
            for i in p.indices { p[i] -= step[i] }
            parameters = p
        }
    }

    /// Glorot-uniform `U`, `v`, `C` from ``seed``; zero biases.
    mutating func initialise(features d: Int, classes k: Int) {
        featureCount = d; classCount = k
        var g = SeededGenerator(seed: seed)
        func glorot(_ count: Int, _ fanIn: Int, _ fanOut: Int) -> [Double] {
            let bound = (6.0 / Double(fanIn + fanOut)).squareRoot()
            return (0..<count).map { _ in (g.nextUnit() * 2 - 1) * bound }
        }
        u = glorot(hidden * d, d, hidden); b = [Double](repeating: 0, count: hidden)
        v = glorot(hidden, hidden, 1)
        c = glorot(k * d, d, k); cBias = [Double](repeating: 0, count: k)
    }

    /// `λ/2 (|U|² + |v|² + |C|²)` and its gradient.
    func regularisation(_ p: [Double]) -> (Double, [Double]) {
        let (h, d) = (hidden, featureCount)
        var g = [Double](repeating: 0, count: p.count), r = 0.0
        let ranges = [0..<(h * d), (h * d + h)..<(h * d + 2 * h), (h * d + 2 * h)..<(h * d + 2 * h + classCount * d)]
        for range in ranges { for i in range { r += p[i] * p[i]; g[i] = l2 * p[i] } }
        return (l2 / 2 * r, g)
    }

    /// Class probabilities and attention weights of one song (`windows × d`, raw features).
    public func predict(_ song: Matrix) -> (probabilities: [Double], weights: [Double]) {
        let f = forward(scaler.transform(song))
        return (f.p, f.alpha)
    }

    struct Forward { var t: [Double]; var alpha: [Double]; var s: [Double]; var p: [Double] }

    func forward(_ x: Matrix) -> Forward {
        let (h, d, k, w) = (hidden, featureCount, classCount, x.rows)
        var t = [Double](repeating: 0, count: w * h)
        Matrix.gemm(false, true, w, h, d, x.values, d, u, d, &t, h, 0)
        var a = [Double](repeating: 0, count: w)
        for i in 0..<w {
            for j in 0..<h { t[i * h + j] = tanh(t[i * h + j] + b[j]); a[i] += v[j] * t[i * h + j] }
        }
        let m = a.max() ?? 0
        var alpha = a.map { exp($0 - m) }
        let z = alpha.reduce(0, +)
        alpha = alpha.map { $0 / z }
        var s = [Double](repeating: 0, count: d)
        for i in 0..<w { for j in 0..<d { s[j] += alpha[i] * x.values[i * d + j] } }
        var logits = cBias
        for r in 0..<k { for j in 0..<d { logits[r] += c[r * d + j] * s[j] } }
        let lm = logits.max() ?? 0
        var p = logits.map { exp($0 - lm) }
        let pz = p.reduce(0, +)
        p = p.map { $0 / pz }
        return Forward(t: t, alpha: alpha, s: s, p: p)
    }

    /// `−log p_y` of one song (raw features) and its gradient with respect to ``parameters`` (no L2 term).
    public func lossGradient(_ song: Matrix, label: Int) -> (loss: Double, gradient: [Double]) {
        standardisedLossGradient(scaler.transform(song), label: label)
    }

    func standardisedLossGradient(_ x: Matrix, label y: Int) -> (Double, [Double]) {
        let (h, d, k, w) = (hidden, featureCount, classCount, x.rows)
        let f = forward(x)
        let loss = -log(max(f.p[y], 1e-300))
        var dl = f.p
        dl[y] -= 1                                       // ∂L/∂logits
        var gC = [Double](repeating: 0, count: k * d), ds = [Double](repeating: 0, count: d)
        for r in 0..<k { for j in 0..<d { gC[r * d + j] = dl[r] * f.s[j]; ds[j] += dl[r] * c[r * d + j] } }
        // ∂L/∂α_w = ds·x_w;  ∂L/∂a_w = α_w (∂L/∂α_w − Σ_u α_u ∂L/∂α_u)
        var dAlpha = [Double](repeating: 0, count: w)
        for i in 0..<w { for j in 0..<d { dAlpha[i] += ds[j] * x.values[i * d + j] } }
        let mean = zip(f.alpha, dAlpha).reduce(0) { $0 + $1.0 * $1.1 }
        let da = (0..<w).map { f.alpha[$0] * (dAlpha[$0] - mean) }
        var gU = [Double](repeating: 0, count: h * d), gb = [Double](repeating: 0, count: h), gv = [Double](repeating: 0, count: h)
        var dPre = [Double](repeating: 0, count: w * h)
        for i in 0..<w {
            for j in 0..<h {
                let t = f.t[i * h + j]
                gv[j] += da[i] * t
                let g = da[i] * v[j] * (1 - t * t)
                dPre[i * h + j] = g
                gb[j] += g
            }
        }
        Matrix.gemm(true, false, h, d, w, dPre, h, x.values, d, &gU, d, 0)
        return (loss, gU + gb + gv + gC + dl)
    }
}
