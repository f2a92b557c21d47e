import CBLAS

/// Principal component analysis by eigen-decomposition of the sample covariance,
/// matching scikit-learn's `PCA(svd_solver="covariance_eigh")`.
///
/// With centred data `X_c = X − 1μᵀ`, the covariance is `C = X_cᵀ X_c / (n − 1)`
/// (BLAS `dsyrk`), decomposed as `C = V Λ Vᵀ` (`SymmetricEigen`, Householder + QL).
/// Components are the eigenvectors of the `k` largest eigenvalues, in decreasing order;
/// `explainedVariance = λ`, `explainedVarianceRatio = λ / Σ_all max(λ, 0)`.
/// Transform: `z = (x − μ) Vₖ`, divided by `√λ` when `whiten` is set.
///
/// Sign convention (scikit-learn's `svd_flip(u_based_decision=False)`): every component
/// is flipped so that its entry of largest absolute value is positive, which makes the
/// result deterministic and equal to scikit-learn's up to rounding.
public struct PCA: Codable, Equatable, Sendable {
    public var componentCount: Int
    public var whiten: Bool
    /// `μ` per input feature.
    public private(set) var mean: [Double] = []
    /// `k × d`, one component per row (scikit-learn's `components_`).
    public private(set) var components = Matrix(rows: 0, cols: 0)
    public private(set) var explainedVariance: [Double] = []
    public private(set) var explainedVarianceRatio: [Double] = []

    public init(componentCount: Int, whiten: Bool = false) {
        self.componentCount = componentCount
        self.whiten = whiten
    }

    public var isFitted: Bool { !mean.isEmpty }

    /// Learns the mean and the leading components of `x` (`n ≥ 2` rows).
    public mutating func fit(_ x: Matrix) {
        let n = x.rows, d = x.cols
        precondition(n >= 2, "PCA.fit needs at least 2 samples")
        precondition(componentCount >= 1 && componentCount <= d, "PCA: componentCount must be in 1...\(d)")
        var mu = [Double](repeating: 0, count: d)
        for r in 0..<n { for c in 0..<d { mu[c] += x.values[r * d + c] } }
        mu = mu.map { $0 / Double(n) }
        var centred = x.values
        for r in 0..<n { for c in 0..<d { centred[r * d + c] -= mu[c] } }
        var cov = [Double](repeating: 0, count: d * d)
        centred.withUnsafeBufferPointer { pa in
            cov.withUnsafeMutableBufferPointer { pc in
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, blasint(d), blasint(n),
                            1.0 / Double(n - 1), pa.baseAddress, blasint(d), 0.0, pc.baseAddress, blasint(d))
            }
        }
        for i in 0..<d { for j in 0..<i { cov[i * d + j] = cov[j * d + i] } }
        let eig = SymmetricEigen(Matrix(rows: d, cols: d, values: cov))
        let clipped = eig.values.map { max($0, 0) }
        let total = clipped.reduce(0, +)
        var comps = [Double](repeating: 0, count: componentCount * d)
        var ev: [Double] = []
        for k in 0..<componentCount {
            let src = d - 1 - k  // descending
            var row = eig.vectors.row(src)
            var best = 0
            for j in 1..<max(d, 1) where abs(row[j]) > abs(row[best]) { best = j }
            if row[best] < 0 { row = row.map { -$0 } }
            for j in 0..<d { comps[k * d + j] = row[j] }
            ev.append(clipped[src])
        }
        mean = mu
        components = Matrix(rows: componentCount, cols: d, values: comps)
        explainedVariance = ev
        explainedVarianceRatio = ev.map { total > 0 ? $0 / total : 0 }
    }

    /// Projects rows onto the components: `(x − μ) Vₖ` (optionally whitened).
    public func transform(_ x: Matrix) -> Matrix {
        precondition(isFitted && x.cols == mean.count, "PCA.transform: not fitted or wrong feature count")
        var centred = x
        let d = x.cols
        for r in 0..<x.rows { for c in 0..<d { centred.values[r * d + c] -= mean[c] } }
        var z = Matrix.gemm(centred, components, transposeA: false, transposeB: true)
        if whiten {
            for r in 0..<z.rows {
                for k in 0..<componentCount {
                    let s = explainedVariance[k].squareRoot()
                    z.values[r * componentCount + k] /= (s > 0 ? s : 1)
                }
            }
        }
        return z
    }

    public mutating func fitTransform(_ x: Matrix) -> Matrix {
        fit(x)
        return transform(x)
    }
}
