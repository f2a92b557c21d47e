/// Eigen-decomposition of a real symmetric matrix: Householder reduction to tridiagonal
/// form followed by the implicit QL algorithm (EISPACK `tred2` / `tql2`, as in JAMA).
/// Deterministic, O(n³), no LAPACK needed.
public struct SymmetricEigen: Sendable {
    /// Eigenvalues in ascending order.
    public let values: [Double]
    /// Eigenvectors as the **rows** of an `n × n` matrix (row `i` belongs to `values[i]`).
    public let vectors: Matrix

    /// Decomposes the symmetric matrix `a` (only symmetry is assumed, not checked).
    public init(_ a: Matrix) {
        precondition(a.rows == a.cols, "SymmetricEigen: matrix must be square")
        let n = a.rows
        guard n > 0 else {
            values = []
            vectors = Matrix(rows: 0, cols: 0)
            return
        }
        var v = a.values  // V[i][j] = v[i*n + j]
        var d = [Double](repeating: 0, count: n)
        var e = [Double](repeating: 0, count: n)
        SymmetricEigen.tred2(n, &v, &d, &e)
        // tql2 updates eigenvector columns; work on the transpose so those are rows.
        var z = Matrix(rows: n, cols: n, values: v).transposed().values
        SymmetricEigen.tql2(n, &z, &d, &e)
        // Sort ascending (selection sort on values, moving rows).
        var order = Array(0..<n)
        order.sort { d[$0] < d[$1] || (d[$0] == d[$1] && $0 < $1) }
        values = order.map { d[$0] }
        var out = [Double](repeating: 0, count: n * n)
        for (dst, src) in order.enumerated() {
            for k in 0..<n { out[dst * n + k] = z[src * n + k] }
        }
        vectors = Matrix(rows: n, cols: n, values: out)
    }

    /// Householder tridiagonalisation; on exit `v` holds the orthogonal transform,
    /// `d` the diagonal and `e` the sub-diagonal (in `e[1...]`).
    private static func tred2(_ n: Int, _ v: inout [Double], _ d: inout [Double], _ e: inout [Double]) {
        for j in 0..<n { d[j] = v[(n - 1) * n + j] }
        var i = n - 1
        while i > 0 {
            var scale = 0.0, h = 0.0
            for k in 0..<i { scale += abs(d[k]) }
            if scale == 0 {
                e[i] = d[i - 1]
                for j in 0..<i {
                    d[j] = v[(i - 1) * n + j]
                    v[i * n + j] = 0
                    v[j * n + i] = 0
                }
            } else {
                for k in 0..<i {
                    d[k] /= scale
                    h += d[k] * d[k]
                }
                var f = d[i - 1]
                var g = h.squareRoot()
                if f > 0 { g = -g }
                e[i] = scale * g
                h -= f * g
                d[i - 1] = f - g
                for j in 0..<i { e[j] = 0 }
                for j in 0..<i {
                    f = d[j]
                    v[j * n + i] = f
                    g = e[j] + v[j * n + j] * f
                    if j + 1 <= i - 1 {
                        for k in (j + 1)...(i - 1) {
                            g += v[k * n + j] * d[k]
                            e[k] += v[k * n + j] * f
                        }
                    }
                    e[j] = g
                }
                f = 0
                for j in 0..<i {
                    e[j] /= h
                    f += e[j] * d[j]
                }
                let hh = f / (h + h)
                for j in 0..<i { e[j] -= hh * d[j] }
                for j in 0..<i {
                    f = d[j]
                    g = e[j]
                    for k in j...(i - 1) { v[k * n + j] -= (f * e[k] + g * d[k]) }
                    d[j] = v[(i - 1) * n + j]
                    v[i * n + j] = 0
                }
            }
            d[i] = h
            i -= 1
        }
        // Accumulate transformations.
        for i in 0..<(n - 1) {
            v[(n - 1) * n + i] = v[i * n + i]
            v[i * n + i] = 1
            let h = d[i + 1]
            if h != 0 {
                for k in 0...i { d[k] = v[k * n + i + 1] / h }
                for j in 0...i {
                    var g = 0.0
                    for k in 0...i { g += v[k * n + i + 1] * v[k * n + j] }
                    for k in 0...i { v[k * n + j] -= g * d[k] }
                }
            }
            for k in 0...i { v[k * n + i + 1] = 0 }
        }
        for j in 0..<n {
            d[j] = v[(n - 1) * n + j]
            v[(n - 1) * n + j] = 0
        }
        v[(n - 1) * n + n - 1] = 1
        e[0] = 0
    }

    /// Implicit QL on the tridiagonal (`d`, `e`); `z` holds eigenvectors as rows
    /// (`z[i*n + k]` = component k of vector i), updated in place.
    private static func tql2(_ n: Int, _ z: inout [Double], _ d: inout [Double], _ e: inout [Double]) {
        for i in 1..<max(n, 1) { e[i - 1] = e[i] }
        e[n - 1] = 0
        var f = 0.0, tst1 = 0.0
        let eps = Double.ulpOfOne
        for l in 0..<n {
            tst1 = max(tst1, abs(d[l]) + abs(e[l]))
            var m = l
            while m < n {
                if abs(e[m]) <= eps * tst1 { break }
                m += 1
            }
            if m == n { m = n - 1 }
            if m > l {
                var iter = 0
                repeat {
                    iter += 1
                    var g = d[l]
                    var p = (d[l + 1] - g) / (2 * e[l])
                    var r = hypot2(p, 1)
                    if p < 0 { r = -r }
                    d[l] = e[l] / (p + r)
                    d[l + 1] = e[l] * (p + r)
                    let dl1 = d[l + 1]
                    var h = g - d[l]
                    if l + 2 < n { for i in (l + 2)..<n { d[i] -= h } }
                    f += h
                    p = d[m]
                    var c = 1.0, c2 = 1.0, c3 = 1.0
                    let el1 = e[l + 1]
                    var s = 0.0, s2 = 0.0
                    var i = m - 1
                    while i >= l {
                        c3 = c2
                        c2 = c
                        s2 = s
                        g = c * e[i]
                        h = c * p
                        r = hypot2(p, e[i])
                        e[i + 1] = s * r
                        s = e[i] / r
                        c = p / r
                        p = c * d[i] - s * g
                        d[i + 1] = h + s * (c * g + s * d[i])
                        let rowA = i * n, rowB = (i + 1) * n
                        for k in 0..<n {
                            let hk = z[rowB + k]
                            z[rowB + k] = s * z[rowA + k] + c * hk
                            z[rowA + k] = c * z[rowA + k] - s * hk
                        }
                        i -= 1
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1
                    e[l] = s * p
                    d[l] = c * p
                } while abs(e[l]) > eps * tst1 && iter < 300
            }
            d[l] += f
            e[l] = 0
        }
    }

    private static func hypot2(_ a: Double, _ b: Double) -> Double {
        let x = abs(a), y = abs(b)
        if x > y { let r = y / x; return x * (1 + r * r).squareRoot() }
        if y == 0 { return 0 }
        let r = x / y
        return y * (1 + r * r).squareRoot()
    }
}
