import CBLAS

/// A dense row-major matrix of `Double` values: element (r, c) is `values[r * cols + c]`.
///
/// Feature tables are stored one sample per row. `Double` is used throughout
/// GenreKitLearning so that metric and solver results can be compared with
/// scikit-learn (float64) to ~1e-9; `Float` tables convert with `init(rows:cols:floats:)`.
public struct Matrix: Codable, Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    /// Row-major storage, `rows * cols` elements.
    public var values: [Double]

    /// A matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0, "negative matrix shape")
        self.rows = rows
        self.cols = cols
        self.values = [Double](repeating: value, count: rows * cols)
    }

    /// Wraps row-major `values` (`values.count == rows * cols`).
    public init(rows: Int, cols: Int, values: [Double]) {
        precondition(values.count == rows * cols, "Matrix: \(values.count) values for \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// Converts a row-major `Float` table (e.g. cached embeddings) to `Double`.
    public init(rows: Int, cols: Int, floats: [Float]) {
        self.init(rows: rows, cols: cols, values: floats.map(Double.init))
    }

    /// Builds a matrix from equally long rows. An empty array gives a 0×0 matrix.
    public init(_ rowArrays: [[Double]]) {
        let c = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == c }, "Matrix: ragged rows")
        self.init(rows: rowArrays.count, cols: c, values: rowArrays.flatMap { $0 })
    }

    public subscript(row: Int, col: Int) -> Double {
        get { values[row * cols + col] }
        set { values[row * cols + col] = newValue }
    }

    /// Row `r` as an array.
    public func row(_ r: Int) -> [Double] {
        Array(values[(r * cols)..<((r + 1) * cols)])
    }

    /// Column `c` as an array.
    public func column(_ c: Int) -> [Double] {
        (0..<rows).map { values[$0 * cols + c] }
    }

    /// The rows as nested arrays.
    public var rowArrays: [[Double]] { (0..<rows).map(row) }

    /// A new matrix made of the listed rows, in the given order (repeats allowed).
    public func selectingRows<S: Sequence>(_ indices: S) -> Matrix where S.Element == Int {
        var out: [Double] = []
        var n = 0
        for r in indices {
            out.append(contentsOf: values[(r * cols)..<((r + 1) * cols)])
            n += 1
        }
        return Matrix(rows: n, cols: cols, values: out)
    }

    /// A new matrix made of the listed columns.
    public func selectingColumns(_ indices: [Int]) -> Matrix {
        var out = [Double](repeating: 0, count: rows * indices.count)
        for r in 0..<rows {
            for (j, c) in indices.enumerated() { out[r * indices.count + j] = values[r * cols + c] }
        }
        return Matrix(rows: rows, cols: indices.count, values: out)
    }

    /// The transpose.
    public func transposed() -> Matrix {
        var out = [Double](repeating: 0, count: values.count)
        for r in 0..<rows {
            for c in 0..<cols { out[c * rows + r] = values[r * cols + c] }
        }
        return Matrix(rows: cols, cols: rows, values: out)
    }

    /// Matrix product `self · other` (BLAS dgemm).
    public func multiplied(by other: Matrix) -> Matrix {
        Matrix.gemm(self, other, transposeA: false, transposeB: false)
    }

    /// `C = op(A)·op(B) + beta·C` on row-major arrays (`m × k` times `k × n` into `m × n`, leading dimensions as
    /// given): the one place GenreKit's double-precision code calls `cblas_dgemm` on raw buffers.
    public static func gemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
                            _ a: [Double], _ lda: Int, _ b: [Double], _ ldb: Int,
                            _ c: inout [Double], _ ldc: Int, _ beta: Double) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            for i in 0..<c.count { c[i] *= beta }
            return
        }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                                blasint(m), blasint(n), blasint(k), 1.0, pa.baseAddress, blasint(lda),
                                pb.baseAddress, blasint(ldb), beta, pc.baseAddress, blasint(ldc))
                }
            }
        }
    }

    /// `op(A) · op(B)` where op is an optional transpose, via `cblas_dgemm`.
    public static func gemm(_ a: Matrix, _ b: Matrix, transposeA: Bool, transposeB: Bool) -> Matrix {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let kb = transposeB ? b.cols : b.rows
        let n = transposeB ? b.rows : b.cols
        precondition(k == kb, "gemm: inner dimensions \(k) and \(kb) differ")
        var out = [Double](repeating: 0, count: m * n)
        if m > 0 && n > 0 && k > 0 {
            a.values.withUnsafeBufferPointer { pa in
                b.values.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { pc in
                        cblas_dgemm(CblasRowMajor,
                                    transposeA ? CblasTrans : CblasNoTrans,
                                    transposeB ? CblasTrans : CblasNoTrans,
                                    blasint(m), blasint(n), blasint(k), 1.0,
                                    pa.baseAddress, blasint(a.cols),
                                    pb.baseAddress, blasint(b.cols), 0.0,
                                    pc.baseAddress, blasint(n))
                    }
                }
            }
        }
        return Matrix(rows: m, cols: n, values: out)
    }

    /// Index of the largest element of each row (the first one on ties, like `numpy.argmax`).
    public func argmaxPerRow() -> [Int] {
        (0..<rows).map { r in
            var best = 0
            for c in 1..<max(cols, 1) where values[r * cols + c] > values[r * cols + best] { best = c }
            return best
        }
    }
}
