/// Eight double-precision values, one per transform (``RealFFT/forward(lanes:re:im:work:)``).
public typealias FFTLanes = SIMD8<Double>

extension RealFFT {
    /// Transforms computed at once by ``forward(lanes:re:im:work:)``.
    public static let laneCount = FFTLanes.scalarCount

    /// ``forward(_:re:im:work:)`` of eight inputs at once, lane `l` of every vector belonging to input `l`:
    /// `input[n][l] = x_l[n]` (N vectors), `re[k][l]`, `im[k][l]` for k = 0…N/2, `work` N vectors.
    ///
    /// Every lane goes through the very operations of ``forward(_:re:im:work:)``, in the same order (IEEE
    /// additions and multiplications lane by lane, no fused multiply-add), so each lane's result equals that
    /// function's on the same input bit for bit; only the loop runs once for eight transforms.
    public func forward(lanes input: UnsafePointer<FFTLanes>, re: UnsafeMutablePointer<FFTLanes>,
                        im: UnsafeMutablePointer<FFTLanes>, work: UnsafeMutablePointer<FFTLanes>) {
        let h = half
        let zr = work, zi = work + h
        bitReverse.withUnsafeBufferPointer { rev in
            for k in 0..<h {
                let j = Int(rev[k])
                zr[j] = input[2 * k]; zi[j] = input[2 * k + 1]
            }
        }
        cosTable.withUnsafeBufferPointer { ct in sinTable.withUnsafeBufferPointer { st in
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
            let zero = FFTLanes(repeating: 0)
            re[0] = zr[0] + zi[0]; im[0] = zero
            re[h] = zr[0] - zi[0]; im[h] = zero
            for k in 1..<h {
                let ar = zr[k], ai = zi[k], br = zr[h - k], bi = -zi[h - k]
                let er = 0.5 * (ar + br), ei = 0.5 * (ai + bi)
                let or = 0.5 * (ai - bi), oi = -0.5 * (ar - br)
                let wr = ct[k], wi = -st[k]
                re[k] = er + (or * wr - oi * wi)
                im[k] = ei + (or * wi + oi * wr)
            }
        } }
    }
}
