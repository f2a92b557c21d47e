import Foundation
import GenreKitDSP
import GenreKitNN

/// A 7-frame convolution over all channels (kernel `[kh, C, 1, F]`, input zero-padded by
/// `(kh − 1)/2` frames) with ReLU and BN, whose input channels in `constantChannels` hold a known
/// constant on every real frame. Those channels are removed from the GEMM; their contribution
/// `v_i = Σ_{j const} c_j · W[i, j, :]` is added as a per-frame bias
/// `b_t = b + Σ_{i : 0 ≤ t + i − p < T} v_i` (padding frames contribute nothing).
@_spi(Benchmarks) public struct FoldedTimeConv: Sendable {
    let kernelHeight: Int
    let filters: Int
    /// Convolution over the remaining channels, no bias, no activation: kernel `[kh, 1, A, F]`.
    let conv: Conv2D
    let bias: [Float]
    /// `[kh][F]` constant-channel contributions per kernel row.
    let rowContributions: [[Float]]
    let bn: BatchNorm
    /// Channels the GEMM still reads (the non-constant ones).
    public var inputChannels: Int { conv.inputChannels }

    init(conv full: Conv2D, bn: BatchNorm, constantChannels: [Int: Float]) {
        let kh = full.kernelHeight, c = full.kernelWidth, f = full.outputChannels
        precondition(full.inputChannels == 1, "FoldedTimeConv: kernel must be [kh, C, 1, F]")
        kernelHeight = kh
        filters = f
        self.bn = bn
        bias = full.bias
        let active = (0..<c).filter { constantChannels[$0] == nil }
        let w = full.kernel.values
        var kept = [Float](repeating: 0, count: kh * active.count * f)
        var contrib = [[Float]](repeating: [Float](repeating: 0, count: f), count: kh)
        for i in 0..<kh {
            for (a, j) in active.enumerated() {
                for o in 0..<f { kept[(i * active.count + a) * f + o] = w[(i * c + j) * f + o] }
            }
            var acc = [Double](repeating: 0, count: f)
            for (j, value) in constantChannels {
                for o in 0..<f { acc[o] += Double(value) * Double(w[(i * c + j) * f + o]) }
            }
            contrib[i] = acc.map { Float($0) }
        }
        rowContributions = contrib
        conv = Conv2D(kernel: Tensor(shape: [kh, 1, active.count, f], values: kept), padding: .valid)
    }

    /// `[n, T, A]` → `[n, T, F]`.
    func forward(_ x: Tensor, precision: InferencePrecision = .fp32, activationScale: Float? = nil) -> Tensor {
        let n = x.shape[0], frames = x.shape[1], a = x.shape[2], f = filters, kh = kernelHeight
        let p = (kh - 1) / 2
        var z: Tensor
        if a > 0 {
            let padded = x.reshaped([n, frames, 1, a]).padded([(0, 0), (p, kh - 1 - p), (0, 0), (0, 0)])
            z = conv(padded, precision: precision, activationScale: activationScale).reshaped([n, frames, f])
        } else {
            z = Tensor(shape: [n, frames, f])
        }
        // Per-frame bias: b + Σ of the kernel rows that land on real frames.
        var table = [Float](repeating: 0, count: frames * f)
        for t in 0..<frames {
            var acc = bias.map(Double.init)
            for i in 0..<kh where t + i - p >= 0 && t + i - p < frames {
                for o in 0..<f { acc[o] += Double(rowContributions[i][o]) }
            }
            for o in 0..<f { table[t * f + o] = Float(acc[o]) }
        }
        z.values.withUnsafeMutableBufferPointer { zv in
            table.withUnsafeBufferPointer { tb in
                bn.scale.withUnsafeBufferPointer { s in
                    bn.shift.withUnsafeBufferPointer { sh in
                        for b in 0..<n {
                            for t in 0..<frames {
                                let row = zv.baseAddress! + (b * frames + t) * f
                                let bt = tb.baseAddress! + t * f
                                for o in 0..<f { row[o] = max(row[o] + bt[o], 0) * s[o] + sh[o] }
                            }
                        }
                    }
                }
            }
        }
        return z
    }
}
