import Foundation
@testable import GenreKitNN

/// A-priori rounding-error bounds (Higham, *Accuracy and Stability of Numerical Algorithms*, §2–3) for
/// tolerances between two computations of the same value whose summation order may differ — a BLAS GEMM
/// whose order depends on the OpenBLAS kernel (core type), the matrix shape it is given, or the thread split.
///
/// `γ_n = n·u/(1 − n·u)`, `u = 2⁻²⁴` (float32) or `2⁻⁵³` (float64). A sum of `n` terms `p_i`, each a product
/// or a constant, computed in any order with any bracketing, differs from the exact sum by at most
/// `γ_n·Σ|p_i|`; two such computations in different orders differ by at most `2·γ_n·Σ|p_i|`. Every further
/// rounded operation applied to the result adds one to `n` (`(1 + δ)^k` with `|δ| ≤ u` is within `γ_k` of 1).
enum RoundingBounds {
    static let float32Unit = 0x1p-24
    static let float64Unit = 0x1p-53

    /// `γ_n` for unit roundoff `u` (precondition `n·u < 1`).
    static func gamma(_ n: Int, unit u: Double = float32Unit) -> Double {
        let nu = Double(n) * u
        precondition(nu < 1, "γ_\(n) undefined for u = \(u)")
        return nu / (1 - nu)
    }

    /// `Σ_{i,j,c} |x[b, oh·sh + i − pt, ow·sw + j − pl, c]|·|W[i, j, c, o]|` per output `[b, oh, ow, o]` (float64,
    /// zero padding contributes nothing): the `Σ|a_i·b_i|` of every dot product a `Conv2D` GEMM computes.
    static func absoluteProductSums(_ x: Tensor, kernel k: Tensor, strides: (Int, Int) = (1, 1), padding: Padding) -> [Double] {
        let (n, h, w, ci) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw, co) = (k.shape[0], k.shape[1], k.shape[3])
        let (oh, pt) = padding.output(inputSize: h, kernel: kh, stride: strides.0)
        let (ow, pl) = padding.output(inputSize: w, kernel: kw, stride: strides.1)
        var out = [Double](repeating: 0, count: n * oh * ow * co)
        for b in 0..<n { for a in 0..<oh { for q in 0..<ow { for o in 0..<co {
            var s = 0.0
            for i in 0..<kh { for j in 0..<kw {
                let ih = a * strides.0 + i - pt, iw = q * strides.1 + j - pl
                if ih < 0 || ih >= h || iw < 0 || iw >= w { continue }
                for c in 0..<ci { s += abs(Double(x[b, ih, iw, c]) * Double(k[i, j, c, o])) }
            } }
            out[((b * oh + a) * ow + q) * co + o] = s
        } } } }
        return out
    }
}
