import Foundation

/// Delta features, `librosa.feature.delta(data, width, order, axis=time, mode="interp")`, which is
/// `scipy.signal.savgol_filter(data, width, deriv=order, polyorder=order, mode="interp")`: the `order`-th
/// derivative of the least-squares polynomial of degree `order` fitted to each `width`-frame window (centred
/// in the interior; at each end, the polynomial fitted to the first or last `width` frames). Computed in
/// float64, rounded to float32.
public enum Delta {
    /// Deltas of a `frames × columns` frame-major matrix along the frames. librosa requires `frames ≥ width`;
    /// with fewer frames GenreKit returns zeros.
    public static func compute(_ x: [Float], columns: Int, width: Int = 9, order: Int = 1) -> [Float] {
        precondition(width >= 3 && width % 2 == 1, "width must be an odd integer ≥ 3")
        precondition(order >= 1 && order < width, "order must be in 1 ..< width")
        let frames = columns == 0 ? 0 : x.count / columns
        var out = [Float](repeating: 0, count: x.count)
        guard frames >= width else { return out }
        let c = coefficients(width: width, order: order)
        let half = width / 2
        for col in 0..<columns {
            func v(_ t: Int) -> Double { Double(x[t * columns + col]) }
            // With polyorder == deriv the derivative of the fitted polynomial is the same at every position,
            // so the edge frames take the value of the fit over the first/last window.
            var first = 0.0, last = 0.0
            for j in 0..<width { first += c[j] * v(j); last += c[j] * v(frames - width + j) }
            for t in 0..<frames {
                let d: Double
                if t < half { d = first }
                else if t >= frames - half { d = last }
                else { d = (0..<width).reduce(0.0) { $0 + c[$1] * v(t - half + $1) } }
                out[t * columns + col] = Float(d)
            }
        }
        return out
    }

    /// Weights `c_j` (`j = 0 ..< width`) such that `Σ c_j·x_j` is the `order`-th derivative of the degree-`order`
    /// least-squares polynomial through `x_0 … x_{width−1}`: `order! · ⟨x, q⟩ / ⟨q, q⟩` with `q` the monic
    /// polynomial of degree `order` orthogonal (on the window's points) to all lower degrees.
    static func coefficients(width: Int, order: Int) -> [Double] {
        let pos = (0..<width).map { Double($0) - Double(width / 2) }
        var basis: [[Double]] = []   // orthogonal polynomials evaluated on pos, degrees 0 ... order
        for d in 0...order {
            var q = pos.map { pow($0, Double(d)) }
            for b in basis {
                let proj = zip(q, b).reduce(0.0) { $0 + $1.0 * $1.1 } / b.reduce(0.0) { $0 + $1 * $1 }
                for i in q.indices { q[i] -= proj * b[i] }
            }
            basis.append(q)
        }
        let q = basis[order], qq = q.reduce(0.0) { $0 + $1 * $1 }
        let factorial = (1...order).reduce(1.0) { $0 * Double($1) }
        return q.map { factorial * $0 / qq }
    }
}
