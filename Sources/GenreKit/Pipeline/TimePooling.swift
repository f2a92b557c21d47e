import GenreKitNN

/// How a per-window feature map with a time (or time × frequency) axis becomes one vector per window.
public enum TimePooling: String, Sendable, Codable, CaseIterable {
    /// Mean over time: `v_c = (1/T) Σ_t x_{t,c}`.
    case mean
    /// Maximum over time: `v_c = max_t x_{t,c}`.
    case max
    /// Mean and standard deviation (population) concatenated: `[μ_c, σ_c]`.
    case meanStd = "mean+std"

    /// Pools `[count, …, C]` over every axis between the first and the last, giving `[count, C]`
    /// (`[count, 2C]` for ``meanStd``). A `[count, C]` tensor is returned unchanged.
    public func pool(_ t: Tensor) -> Tensor {
        guard t.rank > 2 else { return t }
        let n = t.shape[0], c = t.shape[t.rank - 1]
        let steps = t.count / Swift.max(1, n * c)
        let width = self == .meanStd ? 2 * c : c
        var out = [Float](repeating: 0, count: n * width)
        t.values.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { o in
            for i in 0..<n {
                let base = i * steps * c
                for ch in 0..<c {
                    switch self {
                    case .max:
                        var m = -Float.infinity
                        for s in 0..<steps { m = Swift.max(m, x[base + s * c + ch]) }
                        o[i * width + ch] = m
                    case .mean, .meanStd:
                        var sum = 0.0
                        for s in 0..<steps { sum += Double(x[base + s * c + ch]) }
                        let mu = sum / Double(steps)
                        o[i * width + ch] = Float(mu)
                        if self == .meanStd {
                            var v = 0.0
                            for s in 0..<steps { let d = Double(x[base + s * c + ch]) - mu; v += d * d }
                            o[i * width + c + ch] = Float((v / Double(steps)).squareRoot())
                        }
                    }
                }
            }
        } }
        return Tensor(shape: [n, width], values: out)
    }
}
