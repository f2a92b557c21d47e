import Foundation

/// One cross-validation fold of a grouped search after the preprocessing its candidates share: the training and
/// test rows standardised (and PCA-reduced) once, by statistics of the training rows only, exactly as each
/// candidate's ``Pipeline`` would on its own; and, when kernel or neighbour candidates need it, the fold's Gram
/// matrix `G = Z_all · Z_trainᵀ` (`Z_all` = training rows, then test rows), from which every linear and RBF
/// kernel value and every neighbour distance estimate of the fold is read.
struct PreparedFold {
    /// Row indices (into the search's matrix) of the training and test rows; test rows come song by song.
    let train: [Int]
    let test: [Int]
    /// `zTrain`, `zTest`: the rows as the candidates' classifiers see them.
    let zTrain: Matrix
    let zTest: Matrix
    /// `(train + test) × train` dot products, or nil when no candidate of this preprocessing reads them.
    let gram: Matrix?
    /// Squared norms `‖z‖²` of the training rows, then the test rows (empty without `gram`).
    let squaredNorms: [Double]

    /// Fits `scaler` and `pca` (copies; unfitted as the candidate holds them) on the training rows.
    init(x: Matrix, train: [Int], test: [Int], scaler: StandardScaler?, pca: PCA?, withGram: Bool) {
        self.train = train
        self.test = test
        var zTrain = x.selectingRows(train), zTest = x.selectingRows(test)
        if var s = scaler { zTrain = s.fitTransform(zTrain); zTest = s.transform(zTest) }
        if var p = pca { zTrain = p.fitTransform(zTrain); zTest = p.transform(zTest) }
        self.zTrain = zTrain
        self.zTest = zTest
        guard withGram else { gram = nil; squaredNorms = []; return }
        let all = Matrix(rows: zTrain.rows + zTest.rows, cols: zTrain.cols, values: zTrain.values + zTest.values)
        gram = Matrix.gemm(all, zTrain, transposeA: false, transposeB: true)
        squaredNorms = rowSquaredNorms(all)
    }

    /// The linear kernel `xᵢᵀxⱼ` (`gamma == 0`) or the RBF kernel `exp(−γ max(‖xᵢ‖² + ‖xⱼ‖² − 2xᵢᵀxⱼ, 0))` between
    /// row `i` of `Z_all` and every training row, written into `out` (libsvm's RBF formula, rounded like the
    /// port's ``SupportVectorMachine/kernelMatrix(_:)``).
    func kernelRow(_ i: Int, gamma: Double, into out: UnsafeMutableBufferPointer<Double>) {
        guard let gram else { preconditionFailure("PreparedFold: kernel values without a Gram matrix") }
        let n = zTrain.rows
        gram.values.withUnsafeBufferPointer { g in
            squaredNorms.withUnsafeBufferPointer { norms in
                let row = i * n
                if gamma == 0 {
                    for j in 0..<n { out[j] = g[row + j] }
                } else {
                    let ni = norms[i]
                    for j in 0..<n { out[j] = exp(-gamma * max(ni + norms[j] - 2 * g[row + j], 0)) }
                }
            }
        }
    }

    /// Kernel values of test rows `rows` against the training rows `columns` (`rows.count × columns.count`).
    func testKernel(rows: Range<Int>, columns: [Int], gamma: Double) -> Matrix {
        guard let gram else { preconditionFailure("PreparedFold: kernel values without a Gram matrix") }
        let n = zTrain.rows, l = columns.count
        var out = Matrix(rows: rows.count, cols: l)
        for (r, t) in rows.enumerated() {
            let i = n + t, ni = squaredNorms[i]
            for (c, j) in columns.enumerated() {
                let dot = gram.values[i * n + j]
                out.values[r * l + c] = gamma == 0 ? dot : exp(-gamma * max(ni + squaredNorms[j] - 2 * dot, 0))
            }
        }
        return out
    }

    /// The test rows' dot products with the training rows (`test × train`), for neighbour estimates.
    var testDots: Matrix? {
        guard let gram else { return nil }
        let n = zTrain.rows
        return Matrix(rows: zTest.rows, cols: n, values: Array(gram.values[(n * n)...]))
    }
}
