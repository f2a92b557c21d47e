import CBLAS

/// k-nearest-neighbours classifier with scikit-learn's `KNeighborsClassifier` semantics
/// (brute-force search).
///
/// Distances: `.euclidean` `‖q − x‖₂`; `.cosine` `1 − qᵀx / (‖q‖ ‖x‖)` (a zero vector
/// counts as norm 1, like scikit-learn's `normalize`).
/// Probabilities: `p_c(q) = Σ_{j∈N_k(q), y_j=c} w_j / Σ_{j∈N_k(q)} w_j` with `w_j = 1`
/// (`.uniform`) or `w_j = 1/d_j` (`.distance`); when some neighbours are at distance 0,
/// only those count (weight 1 each), as scikit-learn does.
///
/// Neighbour order: candidates are ranked by distance with a **stable** sort, so among
/// equal distances the earlier training row wins. Euclidean distances are first
/// estimated with BLAS (`‖q‖² − 2qᵀx + ‖x‖²`), then every candidate that could be within
/// rounding of the k-th is re-measured exactly, so ties and zero distances are exact.
public struct KNearestNeighbors: Classifier {
    public enum Weighting: String, Codable, Sendable { case uniform, distance }
    public enum Metric: String, Codable, Sendable { case euclidean, cosine }

    public var k: Int
    public var weighting: Weighting
    public var metric: Metric
    public private(set) var classCount: Int = 0
    public private(set) var trainingX = Matrix(rows: 0, cols: 0)
    public private(set) var trainingLabels: [Int] = []

    public init(k: Int = 5, weighting: Weighting = .uniform, metric: Metric = .euclidean) {
        self.k = k
        self.weighting = weighting
        self.metric = metric
    }

    /// Stores the training set. `sampleWeights` are ignored (scikit-learn has none for kNN).
    public mutating func fit(_ x: Matrix, labels: [Int], classCount: Int, sampleWeights: [Double]?) throws {
        try validateFitArguments(x, labels: labels, classCount: classCount, sampleWeights: sampleWeights)
        guard k >= 1 else { throw LearningError.invalidArgument("k must be ≥ 1") }
        trainingX = x
        trainingLabels = labels
        self.classCount = classCount
    }

    /// The `k` nearest training rows of every query row: indices and distances, nearest first.
    public func neighbors(_ q: Matrix) -> [(indices: [Int], distances: [Double])] {
        neighbors(q, count: k)
    }

    /// The `count` nearest training rows of every query row. The first `k` of them are ``neighbors(_:)``'s for
    /// any `k ≤ count` (the exact re-measurement makes the order independent of the estimate), so one call
    /// serves every `k` of a grid. `dots`, when given, holds the products `qᵀx` (`q.rows × n`) already computed
    /// (a fold's Gram matrix); only the estimate uses them.
    func neighbors(_ q: Matrix, count: Int, dots given: Matrix? = nil) -> [(indices: [Int], distances: [Double])] {
        precondition(q.cols == trainingX.cols, "KNearestNeighbors: \(q.cols) features, fitted on \(trainingX.cols)")
        let n = trainingX.rows, d = trainingX.cols
        let kk = min(count, n)
        let trainNorms = rowSquaredNorms(trainingX)
        let queryNorms = rowSquaredNorms(q)
        var result: [(indices: [Int], distances: [Double])] = []
        result.reserveCapacity(q.rows)
        let maxTrainNorm = trainNorms.max() ?? 0
        let block = given == nil ? 256 : max(q.rows, 1)  // query rows per BLAS block (bounds the dot-product buffer)
        var dots = given ?? Matrix(rows: 0, cols: 0)
        for r in 0..<q.rows {
            if r % block == 0 && given == nil {
                dots = Matrix.gemm(q.selectingRows(r..<min(r + block, q.rows)), trainingX, transposeA: false, transposeB: true)
            }
            let rb = r % block
            var approx = [Double](repeating: 0, count: n)
            switch metric {
            case .euclidean:
                for j in 0..<n { approx[j] = max(queryNorms[r] - 2 * dots.values[rb * n + j] + trainNorms[j], 0) }
            case .cosine:
                let qn = queryNorms[r] > 0 ? queryNorms[r].squareRoot() : 1
                for j in 0..<n {
                    let xn = trainNorms[j] > 0 ? trainNorms[j].squareRoot() : 1
                    approx[j] = cosineDistance(dots.values[rb * n + j], qn, xn)
                }
            }
            // Rounding bound of the estimate; everything within it of the k-th value is re-measured.
            let slack: Double
            switch metric {
            case .euclidean: slack = Double(d + 8) * Double.ulpOfOne * 4 * (queryNorms[r] + maxTrainNorm)
            case .cosine: slack = Double(d + 8) * Double.ulpOfOne * 4
            }
            let kth = kthSmallest(approx, kk)
            var candidates: [(Int, Double)] = []
            for j in 0..<n where approx[j] <= kth + 2 * slack {
                candidates.append((j, exactDistance(q, r, j)))
            }
            // Stable: sort by (distance, training index).
            candidates.sort { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
            let top = candidates.prefix(kk)
            result.append((top.map { $0.0 }, top.map { $0.1 }))
        }
        return result
    }

    public func predictProbabilities(_ x: Matrix) -> Matrix {
        probabilities(neighbors(x))
    }

    /// Vote shares of the first `k` of each row's `neighbours` (nearest first).
    func probabilities(_ neighbours: [(indices: [Int], distances: [Double])]) -> Matrix {
        var out = Matrix(rows: neighbours.count, cols: classCount)
        for (r, all) in neighbours.enumerated() {
            let nb = (indices: Array(all.indices.prefix(k)), distances: Array(all.distances.prefix(k)))
            var w = [Double](repeating: 1, count: nb.indices.count)
            if weighting == .distance {
                if nb.distances.contains(0) {
                    w = nb.distances.map { $0 == 0 ? 1 : 0 }
                } else {
                    w = nb.distances.map { 1 / $0 }
                }
            }
            var total = 0.0
            for (t, j) in nb.indices.enumerated() {
                out[r, trainingLabels[j]] += w[t]
                total += w[t]
            }
            if total == 0 { total = 1 }
            for c in 0..<classCount { out[r, c] /= total }
        }
        return out
    }

    private func exactDistance(_ q: Matrix, _ r: Int, _ j: Int) -> Double {
        let d = q.cols
        switch metric {
        case .euclidean:
            var s = 0.0
            for c in 0..<d {
                let t = q.values[r * d + c] - trainingX.values[j * d + c]
                s += t * t
            }
            return s.squareRoot()
        case .cosine:
            var dotv = 0.0, qq = 0.0, xx = 0.0
            for c in 0..<d {
                let a = q.values[r * d + c], b = trainingX.values[j * d + c]
                dotv += a * b
                qq += a * a
                xx += b * b
            }
            return cosineDistance(dotv, qq > 0 ? qq.squareRoot() : 1, xx > 0 ? xx.squareRoot() : 1)
        }
    }
}

@inline(__always) private func cosineDistance(_ dot: Double, _ qn: Double, _ xn: Double) -> Double {
    min(max(1 - dot / (qn * xn), 0), 2)
}

func rowSquaredNorms(_ m: Matrix) -> [Double] {
    (0..<m.rows).map { r in
        var s = 0.0
        for c in 0..<m.cols { let v = m.values[r * m.cols + c]; s += v * v }
        return s
    }
}

/// The k-th smallest value (1-based k) of `values`.
func kthSmallest(_ values: [Double], _ k: Int) -> Double {
    if k >= values.count { return values.max() ?? 0 }
    // Keep a sorted buffer of the k smallest.
    var best = Array(values.prefix(k)).sorted()
    for v in values.dropFirst(k) where v < best[k - 1] {
        var i = k - 1
        while i > 0 && best[i - 1] > v { best[i] = best[i - 1]; i -= 1 }
        best[i] = v
    }
    return best[k - 1]
}
