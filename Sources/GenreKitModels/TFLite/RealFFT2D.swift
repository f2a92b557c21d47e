import GenreKitDSP
import GenreKitNN

/// TensorFlow Lite's `RFFT2D` for an FFT height of 1: the real DFT along the last axis, computed in float64 and
/// rounded to float32 once (TensorFlow Lite transforms in double precision too, so the results agree bit for bit
/// in practice).
///
/// For input `x[…, 1, L]` and FFT length `N` (a power of two; `x` is cut or zero-padded to `N`):
///
///     X[…, 1, k] = Σ_{n<N} x[n] · e^{−2πikn/N},   k = 0 … N/2
///
/// Complex results are stored as a trailing axis of 2 (`[…, 1, N/2 + 1, 2]`: real, imaginary).
public struct RealFFT2D: Sendable {
    public let length: Int
    let fft: RealFFT

    public init(length: Int) {
        precondition(length >= 4 && length & (length - 1) == 0, "RealFFT2D: length \(length) is not a power of two ≥ 4")
        self.length = length
        fft = RealFFT(count: length)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank >= 1, "RealFFT2D: scalar input")
        let l = x.shape.last!, bins = length / 2 + 1
        let rows = l == 0 ? 0 : x.count / l
        return Tensor(shape: Array(x.shape.dropLast()) + [bins, 2]) { out in
            let input = UnsafeMutablePointer<Double>.allocate(capacity: length)
            let re = UnsafeMutablePointer<Double>.allocate(capacity: bins)
            let im = UnsafeMutablePointer<Double>.allocate(capacity: bins)
            let work = UnsafeMutablePointer<Double>.allocate(capacity: length)
            defer { input.deallocate(); re.deallocate(); im.deallocate(); work.deallocate() }
            x.values.withUnsafeBufferPointer { xp in
                for r in 0..<rows {
                    let used = Swift.min(l, length)
                    for i in 0..<used { input[i] = Double(xp[r * l + i]) }
                    for i in used..<length { input[i] = 0 }
                    fft.forward(input, re: re, im: im, work: work)
                    let dst = out.baseAddress! + r * bins * 2
                    for k in 0..<bins { dst[2 * k] = Float(re[k]); dst[2 * k + 1] = Float(im[k]) }
                }
            }
        }
    }
}

extension Tensor {
    /// TensorFlow Lite's `COMPLEX_ABS` on a complex tensor stored with a trailing axis of 2:
    /// `|z| = √(re² + im²)`, evaluated in float64 and rounded once (as `std::abs(std::complex<float>)`,
    /// i.e. `hypotf`, gives it).
    public func complexMagnitude() -> Tensor {
        precondition(shape.last == 2, "complexMagnitude: last axis \(shape) must be 2")
        return Tensor(shape: Array(shape.dropLast())) { out in
            values.withUnsafeBufferPointer { z in
                for i in 0..<out.count {
                    let a = Double(z[2 * i]), b = Double(z[2 * i + 1])
                    out[i] = Float((a * a + b * b).squareRoot())
                }
            }
        }
    }
}
