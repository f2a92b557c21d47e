import XCTest
@testable import GenreKitNN
import GenreKitCore

/// The definition of musicnn's front-end block `max_w bn(relu(conv))` in double precision, the float32 error bound
/// a computed result must keep to, and the small single-channel shapes the oneDNN tests run.
protocol ConvolutionReference {}

extension ConvolutionReference {
    func randomBN(_ rng: inout TestRNG, _ c: Int) -> BatchNorm {
        // γ of both signs, to exercise the min path.
        BatchNorm(gamma: rng.array(c, -1.5, 1.5), beta: rng.array(c), mean: rng.array(c), variance: rng.array(c, 0.1, 2))
    }

    /// `max_w bn(relu(conv))` in double precision, straight from the definition.
    func exact(_ conv: Conv2D, _ bn: BatchNorm?, _ x: Tensor) -> (values: [Double], shape: [Int]) {
        let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        let (kh, kw, co) = (conv.kernelHeight, conv.kernelWidth, conv.outputChannels)
        let (oh, pt) = conv.padding.output(inputSize: h, kernel: kh, stride: 1)
        let (ow, pl) = conv.padding.output(inputSize: w, kernel: kw, stride: 1)
        var out = [Double](repeating: 0, count: n * oh * co)
        for b in 0..<n { for r in 0..<oh { for c in 0..<co {
            var best = -Double.infinity
            for q in 0..<ow {
                var z = Double(conv.bias[c])
                for i in 0..<kh { for j in 0..<kw {
                    let t = r + i - pt, f = q + j - pl
                    guard t >= 0, t < h, f >= 0, f < w else { continue }
                    z += Double(x.values[(b * h + t) * w + f]) * Double(conv.kernel.values[(i * kw + j) * co + c])
                } }
                if conv.activation == .relu { z = max(z, 0) }
                if let bn { z = z * Double(bn.scale[c]) + Double(bn.shift[c]) }
                best = max(best, z)
            }
            out[(b * oh + r) * co + c] = best
        } } }
        return (out, [n, oh, co])
    }

    /// Bound on a float32 result's distance from `exact`: a sum of `K = kh·kw` products in any order is within
    /// `K·u·Σ|x·w|` (u = 2⁻²⁴) of the exact sum, plus one rounding each for the bias, the BN product and sum;
    /// the max over width, ReLU and the BN affine map scale the error by at most `|s|`.
    func bound(_ conv: Conv2D, _ bn: BatchNorm?, _ x: Tensor, _ exact: [Double]) -> Double {
        let u = 0x1p-24
        let k = Double(conv.kernelHeight * conv.kernelWidth), co = conv.outputChannels
        let xMax = Double(x.values.map { abs($0) }.max()!)
        var worst = 0.0
        for c in 0..<co {
            var l1 = 0.0
            for r in 0..<(conv.kernelHeight * conv.kernelWidth) { l1 += Double(abs(conv.kernel.values[r * co + c])) }
            let s = Double(abs(bn?.scale[c] ?? 1))
            worst = max(worst, s * ((k + 2) * u * (xMax * l1 + Double(abs(conv.bias[c])))))
        }
        return worst + 4 * u * (exact.map(abs).max() ?? 0)
    }

    func oneDNNShapes(_ rng: inout TestRNG) -> [(Conv2D, BatchNorm, Tensor)] {
        // musicnn-like geometry, smaller: 'valid' timbral kernels (input pre-padded in time) and 'same' temporal
        // column kernels; channel counts below, at and across oneDNN's 16-channel blocks.
        [(23, 20, 7, 9, Padding.valid, 21), (19, 16, 3, 16, .valid, 16), (21, 12, 8, 1, .same, 5),
         (17, 10, 5, 1, .same, 40), (12, 9, 4, 3, .same, 33)].map { h, w, kh, kw, pad, co in
            let x = rng.tensor([3, h, w, 1], -1, 2)
            let conv = Conv2D(kernel: rng.tensor([kh, kw, 1, co]), bias: rng.array(co), padding: pad, activation: .relu)
            return (conv, randomBN(&rng, co), x)
        }
    }

}
