import Foundation

extension AttentionPooling {
    /// One song's forward pass: `tanh(U x_w + b)` (`W × h`), the weights `α` and their logarithms, the song
    /// embedding `s` and the class probabilities `p`.
    struct Forward { var t: [Double]; var alpha: [Double]; var logAlpha: [Double]; var s: [Double]; var p: [Double] }

    /// Gradient blocks in ``parameters`` order, accumulated over songs.
    struct Gradient {
        var u: [Double], b: [Double], v: [Double], c: [Double], cBias: [Double]

        init(_ head: AttentionPooling) {
            u = [Double](repeating: 0, count: head.u.count); b = [Double](repeating: 0, count: head.b.count)
            v = [Double](repeating: 0, count: head.v.count); c = [Double](repeating: 0, count: head.c.count)
            cBias = [Double](repeating: 0, count: head.cBias.count)
        }

        mutating func scale(_ f: Double) {
            for i in u.indices { u[i] *= f }
            for i in b.indices { b[i] *= f }
            for i in v.indices { v[i] *= f }
            for i in c.indices { c[i] *= f }
            for i in cBias.indices { cBias[i] *= f }
        }
    }

    /// The forward pass of one standardised song `x` (`W × d`).
    func forward(_ x: Matrix) -> Forward {
        let (h, d, k, w) = (hidden, featureCount, classCount, x.rows)
        var t = [Double](repeating: 0, count: w * h)
        Matrix.gemm(false, true, w, h, d, x.values, d, u, d, &t, h, 0)
        var a = [Double](repeating: 0, count: w)
        for i in 0..<w {
            for j in 0..<h { t[i * h + j] = tanh(t[i * h + j] + b[j]); a[i] += v[j] * t[i * h + j] }
        }
        let m = a.max() ?? 0
        let logZ = log(a.reduce(0) { $0 + exp($1 - m) })
        let logAlpha = a.map { $0 - m - logZ }
        let alpha = logAlpha.map { exp($0) }
        var s = [Double](repeating: 0, count: d)
        Matrix.gemm(false, false, 1, d, w, alpha, w, x.values, d, &s, d, 0)       // s = αᵀ X
        var logits = [Double](repeating: 0, count: k)
        Matrix.gemm(false, false, k, 1, d, c, d, s, 1, &logits, 1, 0)            // C s
        for r in 0..<k { logits[r] += cBias[r] }
        let lm = logits.max() ?? 0
        var p = logits.map { exp($0 - lm) }
        let pz = p.reduce(0, +)
        p = p.map { $0 / pz }
        return Forward(t: t, alpha: alpha, logAlpha: logAlpha, s: s, p: p)
    }

    /// Adds the gradient of `−log p_y + β·KL(α ‖ uniform)` for one standardised song to `g`; returns that loss.
    func accumulate(_ x: Matrix, label y: Int, into g: inout Gradient) -> Double {
        let (h, d, k, w) = (hidden, featureCount, classCount, x.rows)
        let f = forward(x)
        var dl = f.p
        dl[y] -= 1                                                                // ∂L/∂logits
        Matrix.gemm(false, false, k, d, 1, dl, 1, f.s, d, &g.c, d, 1)              // ∂L/∂C += dl sᵀ
        for r in 0..<k { g.cBias[r] += dl[r] }
        var ds = [Double](repeating: 0, count: d)
        Matrix.gemm(true, false, d, 1, k, c, d, dl, 1, &ds, 1, 0)                 // ∂L/∂s = Cᵀ dl
        // ∂L/∂α_w = ds·x_w;  ∂L/∂a_w = α_w (∂L/∂α_w − Σ_u α_u ∂L/∂α_u)
        var dAlpha = [Double](repeating: 0, count: w)
        Matrix.gemm(false, false, w, 1, d, x.values, d, ds, 1, &dAlpha, 1, 0)
        let mean = zip(f.alpha, dAlpha).reduce(0) { $0 + $1.0 * $1.1 }
        var da = (0..<w).map { f.alpha[$0] * (dAlpha[$0] - mean) }
        // Prior: KL = Σ α log α + log W;  ∂KL/∂a_w = α_w (log α_w − Σ_u α_u log α_u).
        let negEntropy = zip(f.alpha, f.logAlpha).reduce(0) { $0 + $1.0 * $1.1 }
        let kl = negEntropy + log(Double(w))
        if entropyWeight != 0 {
            for i in 0..<w { da[i] += entropyWeight * f.alpha[i] * (f.logAlpha[i] - negEntropy) }
        }
        var dPre = [Double](repeating: 0, count: w * h)
        for i in 0..<w {
            for j in 0..<h {
                let t = f.t[i * h + j]
                g.v[j] += da[i] * t
                let gp = da[i] * v[j] * (1 - t * t)
                dPre[i * h + j] = gp
                g.b[j] += gp
            }
        }
        Matrix.gemm(true, false, h, d, w, dPre, h, x.values, d, &g.u, d, 1)        // ∂L/∂U += dPreᵀ X
        return -log(max(f.p[y], 1e-300)) + entropyWeight * kl
    }
}
