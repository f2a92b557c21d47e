import Foundation

/// Forward real FFT in double precision for power-of-two sizes.
///
/// `X[k] = Σ_{n=0}^{N−1} x[n]·e^{−2πikn/N}`, k = 0…N/2, computed as an N/2-point complex radix-2 FFT of the
/// even/odd-packed input followed by the standard split step. Double precision is what librosa's STFT uses
/// (its float64 window promotes the frame), so rounding the result to float32 reproduces librosa's complex64
/// STFT bit for bit in practice. Debian ships KissFFT in single precision only; see ``STFT/Precision``.
public struct RealFFT: Sendable {
    /// Transform length N (a power of two, ≥ 4).
    public let count: Int
    let half: Int
    let cosTable: [Double]      // cos(2πk/N), k < N/2
    let sinTable: [Double]
    let bitReverse: [Int32]

    public init(count: Int) {
        precondition(count >= 4 && count & (count - 1) == 0, "RealFFT needs a power-of-two size ≥ 4, got \(count)")
        self.count = count
        half = count / 2
        cosTable = (0..<count / 2).map { cos(2 * Double.pi * Double($0) / Double(count)) }
        sinTable = (0..<count / 2).map { sin(2 * Double.pi * Double($0) / Double(count)) }
        var rev = [Int32](repeating: 0, count: count / 2)
        let bits = (count / 2).trailingZeroBitCount
        for i in 0..<(count / 2) {
            var r = 0, v = i
            for _ in 0..<bits { r = (r << 1) | (v & 1); v >>= 1 }
            rev[i] = Int32(r)
        }
        bitReverse = rev
    }

    /// Transforms `input` (N values) into `re`, `im` (N/2 + 1 values each). `work` must hold N doubles.
    public func forward(_ input: UnsafePointer<Double>, re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>,
                        work: UnsafeMutablePointer<Double>) {
        transform(input, re: re, im: im, work: work)
    }

    /// The transform, for one input (`Double`) or several side by side in the lanes of a vector (``FFTLanes``): one
    /// body, so every lane goes through the very operations a single input does.
    @inline(__always)
    func transform<V: FFTValue>(_ input: UnsafePointer<V>, re: UnsafeMutablePointer<V>, im: UnsafeMutablePointer<V>,
                                work: UnsafeMutablePointer<V>) {
        let h = half
        let zr = work, zi = work + h
        // Pack z[k] = x[2k] + i·x[2k+1], in bit-reversed order.
        bitReverse.withUnsafeBufferPointer { rev in
            for k in 0..<h {
                let j = Int(rev[k])
                zr[j] = input[2 * k]; zi[j] = input[2 * k + 1]
            }
        }
        cosTable.withUnsafeBufferPointer { ct in sinTable.withUnsafeBufferPointer { st in
            // Iterative radix-2 decimation-in-time on N/2 points; twiddle e^{−2πi j/len} = table[j · N/len].
            var len = 2
            while len <= h {
                let halfLen = len / 2
                let stride = count / len
                var start = 0
                while start < h {
                    for j in 0..<halfLen {
                        let wr = ct[j * stride], wi = -st[j * stride]
                        let a = start + j, b = a + halfLen
                        let tr = zr[b] * wr - zi[b] * wi
                        let ti = zr[b] * wi + zi[b] * wr
                        zr[b] = zr[a] - tr; zi[b] = zi[a] - ti
                        zr[a] += tr; zi[a] += ti
                    }
                    start += len
                }
                len <<= 1
            }
            // Split: X[k] = E[k] + e^{−2πik/N}·O[k], with E, O from Z[k] and conj(Z[N/2−k]).
            re[0] = zr[0] + zi[0]; im[0] = .zero
            re[h] = zr[0] - zi[0]; im[h] = .zero
            for k in 1..<h {
                let ar = zr[k], ai = zi[k], br = zr[h - k], bi = -zi[h - k]
                let er = (ar + br) * 0.5, ei = (ai + bi) * 0.5
                let or = (ai - bi) * 0.5, oi = (ar - br) * -0.5
                let wr = ct[k], wi = -st[k]
                re[k] = er + (or * wr - oi * wi)
                im[k] = ei + (or * wi + oi * wr)
            }
        } }
    }
}
