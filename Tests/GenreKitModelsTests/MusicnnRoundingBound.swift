import Foundation
import GenreKitNN
@testable import GenreKitModels

/// A-priori float32 rounding-error bound for two computations of the same musicnn network on the same patches
/// that may sum in different orders: pruned vs unpruned (different GEMM `n` in the front end, different `k` in
/// the first mid-end convolution), or different chunk sizes (different GEMM `m`). OpenBLAS picks the summation
/// order from its kernel (core type), the matrix shape and the thread split, so such results agree only to within
/// what float32 arithmetic guarantees, which this type derives layer by layer (Higham, *Accuracy and Stability of
/// Numerical Algorithms*, §3), with `u = 2⁻²⁴` and `γ_n = n·u/(1 − n·u)`:
///
/// * a dot product of `n` terms, in any order, is within `γ_n·Σ|a_i·b_i|` of the exact one; each later rounded
///   operation on it adds one to `n`. A layer `y = bn(relu(W·x + b)) = s·relu(W·x + b) + t` whose input `x̂` is
///   within `e` of the exact `x` is thus within `|s|·|W|ᵀe + γ_{K+3}·(|s|·(|W|ᵀ|x̂| + |b|) + |t|)` of the exact
///   output (ReLU and max/min over frequency are 1-Lipschitz and the reorderings in `ConvMaxOverWidth` are exact);
/// * the first mid-end convolution, pruned, sums the constant channels separately (`v_i` rounded to float32 once,
///   the per-frame bias once, then added to the GEMM result): the same `K = 7·561` products in another
///   order plus three roundings, `γ_{K+4}`;
/// * a residual add `fl(y + x)`: `e_y + e_x + u·|y + x|`; a mean over `T` frames (float32, sequential):
///   `mean(e) + γ_T·mean|x|`; batch norm `fl(fl(x·s) + t)`: `|s|·e + γ₂·(|s|·|x| + |t|)`;
/// * the sigmoid `1/(1 + expf(−z))` or `e/(1 + e)`: 1/4-Lipschitz, plus `expf` (< 1 ulp), one addition and one
///   division: `e/4 + γ₄·σ`.
///
/// Both computations are bounded against the exact network output on the same normalised input, so their
/// difference is at most twice the bound. The `Σ|W|·|x̂|` and `Σ|W|·e` sums run through the same float32 GEMMs
/// (all terms ≥ 0, so the computed sum is at least `(1 − γ_K)` of the exact one) and are divided by `1 − γ_K`.
/// `|x̂|` is the larger magnitude of the two computations' features, so one bound serves both.
struct MusicnnRoundingBound {
    /// Per-element bounds on `|a − b|`, shaped like the outputs: `taggram` and each of `MusicnnModel.featureNames`.
    let taggram: Tensor
    let features: [String: Tensor]

    static func gamma(_ n: Int) -> Double {
        let nu = Double(n) * 0x1p-24
        return nu / (1 - nu)
    }

    /// `reference` must be the unpruned network (full front-end convolutions, no constant channels folded);
    /// `a` and `b` the two outputs to compare, with every feature of `MusicnnModel.featureNames`.
    init(reference model: MusicnnModel, patches x: [Float], count n: Int, _ a: ModelOutput, _ b: ModelOutput) {
        precondition(model.mid1.inputChannels == model.frontendChannels, "MusicnnRoundingBound: give the unpruned model")
        let mels = ModelArchitecture.mels
        let frames = x.count / (n * mels)
        let fF = model.architecture.midendFilters
        func magnitude(_ name: String) -> [Double] {
            zip(a.features[name]!.values, b.features[name]!.values).map { Double(max(abs($0), abs($1))) }
        }
        // |W| GEMM on non-negative values, divided by 1 − γ_K: an upper bound of the exact Σ|W|·v.
        func absConv(_ conv: Conv2D, _ v: Tensor) -> [Double] {
            let k = conv.kernelHeight * conv.kernelWidth * conv.inputChannels
            let absConv = Conv2D(kernel: Tensor(shape: conv.kernel.shape, values: conv.kernel.values.map { abs($0) }),
                                 strides: (conv.strideH, conv.strideW), padding: conv.padding)
            return absConv(Tensor(shape: v.shape, values: v.values.map { abs($0) })).values.map { Double($0) / (1 - Self.gamma(k)) }
        }
        func tensor(_ shape: [Int], _ v: [Double]) -> Tensor {
            // Bounds rounded up to float32 (so the tensors stay float32 like the outputs).
            Tensor(shape: shape, values: v.map { Float($0).nextUp })
        }

        // Front end: both sides start from the same normalised input.
        let xn = model.normalizedInput(x, count: n, frames: frames)
        var frontBound = [[Double]]()     // per branch, [n·T, filters]
        for br in model.branches {
            let xb = br.timePad > 0 ? xn.padded([(0, 0), (br.timePad, br.timePad), (0, 0), (0, 0)]) : xn
            let k = br.conv.kernelHeight * br.conv.kernelWidth * br.conv.inputChannels
            let co = br.conv.outputChannels
            let sums = absConv(br.conv, xb)       // [n, T, W', co]
            let width = sums.count / (n * frames * co)
            var e = [Double](repeating: 0, count: n * frames * co)
            for r in 0..<(n * frames) {
                for c in 0..<co {
                    var widest = 0.0
                    for q in 0..<width { widest = max(widest, sums[(r * width + q) * co + c]) }
                    let s = Double(abs(br.bn.scale[c])), t = Double(abs(br.bn.shift[c])), bias = Double(abs(br.conv.bias[c]))
                    e[r * co + c] = Self.gamma(k + 3) * (s * (widest + bias) + t)
                }
            }
            frontBound.append(e)
        }
        let fc = model.frontendChannels
        var eFront = [Double](repeating: 0, count: n * frames * fc)
        var offset = 0
        for (br, e) in zip(model.branches, frontBound) {
            let co = br.filters
            for r in 0..<(n * frames) { for c in 0..<co { eFront[r * fc + offset + c] = e[r * co + c] } }
            offset += co
        }
        let frontMagnitude: [Double] = {
            let t = magnitude("timbral"), p = magnitude("temporal")
            let nt = t.count / (n * frames), np = p.count / (n * frames)
            var m = [Double](repeating: 0, count: n * frames * fc)
            for r in 0..<(n * frames) {
                for c in 0..<nt { m[r * fc + c] = t[r * nt + c] }
                for c in 0..<np { m[r * fc + nt + c] = p[r * np + c] }
            }
            return m
        }()

        // Mid end: 7-frame convolutions over all channels, input zero-padded by 3 frames.
        func timeConv(_ conv: Conv2D, bias: [Float], bn: BatchNorm, extra: Int, channels c: Int,
                      input e: [Double], magnitude m: [Double]) -> [Double] {
            let k = conv.kernelHeight * conv.kernelWidth * conv.inputChannels
            func padded(_ v: [Double]) -> Tensor {
                Tensor(shape: [n, frames, 1, c], values: v.map { Float($0).nextUp }).padded([(0, 0), (3, 3), (0, 0), (0, 0)])
            }
            let propagated = absConv(conv, padded(e)), sums = absConv(conv, padded(m))
            return (0..<(n * frames * fF)).map { i in
                let o = i % fF
                let s = Double(abs(bn.scale[o])), t = Double(abs(bn.shift[o])), b = Double(abs(bias[o]))
                return s * propagated[i] + Self.gamma(k + extra) * (s * (sums[i] + b) + t)
            }
        }
        let mid1Conv = model.mid1.conv        // [7, 1, 561, F], bias kept separately
        let e1 = timeConv(mid1Conv, bias: model.mid1.bias, bn: model.mid1.bn, extra: 4, channels: fc,
                          input: eFront, magnitude: frontMagnitude)
        let m1 = magnitude("cnn1"), m2 = magnitude("cnn2"), m3 = magnitude("cnn3")
        let u = 0x1p-24
        let e2 = zip(timeConv(model.mid2, bias: model.mid2.bias, bn: model.mid2BN, extra: 3, channels: fF, input: e1, magnitude: m1),
                     zip(e1, m2)).map { $0 + $1.0 + u * $1.1 }
        let e3 = zip(timeConv(model.mid3, bias: model.mid3.bias, bn: model.mid3BN, extra: 3, channels: fF, input: e2, magnitude: m2),
                     zip(e2, m3)).map { $0 + $1.0 + u * $1.1 }

        // Back end over all = [front, cnn1, cnn2, cnn3].
        let cAll = fc + 3 * fF
        var eMax = [Double](repeating: 0, count: n * cAll), eMean = eMax
        var absMean = eMax
        for b in 0..<n {
            for t in 0..<frames {
                let r = b * frames + t
                for c in 0..<cAll {
                    let (e, m): (Double, Double)
                    if c < fc { (e, m) = (eFront[r * fc + c], frontMagnitude[r * fc + c]) } else {
                        let j = (c - fc) % fF, layer = (c - fc) / fF
                        (e, m) = [(e1[r * fF + j], m1[r * fF + j]), (e2[r * fF + j], m2[r * fF + j]), (e3[r * fF + j], m3[r * fF + j])][layer]
                    }
                    eMax[b * cAll + c] = max(eMax[b * cAll + c], e)
                    eMean[b * cAll + c] += e / Double(frames)
                    absMean[b * cAll + c] += m / Double(frames)
                }
            }
        }
        for i in eMean.indices { eMean[i] += Self.gamma(frames) * absMean[i] }
        let maxMag = magnitude("max_pool"), meanMag = magnitude("mean_pool")
        // Pool batch norm over interleaved [max_0, mean_0, max_1, …].
        var ePool = [Double](repeating: 0, count: n * 2 * cAll), mPool = ePool
        for b in 0..<n {
            for c in 0..<cAll {
                for (j, e, m) in [(2 * c, eMax[b * cAll + c], maxMag[b * cAll + c]), (2 * c + 1, eMean[b * cAll + c], meanMag[b * cAll + c])] {
                    let s = Double(abs(model.poolBN.scale[j])), t = Double(abs(model.poolBN.shift[j]))
                    ePool[b * 2 * cAll + j] = s * e + Self.gamma(2) * (s * m + t)
                    mPool[b * 2 * cAll + j] = (s * m + t) * (1 + Self.gamma(2))
                }
            }
        }
        func dense(_ d: Dense, input e: [Double], magnitude m: [Double], bn: BatchNorm?, extra: Int) -> [Double] {
            let ni = d.inputUnits, no = d.outputUnits
            var out = [Double](repeating: 0, count: n * no)
            for b in 0..<n {
                var propagated = [Double](repeating: 0, count: no), sums = propagated
                for i in 0..<ni {
                    let ei = e[b * ni + i], mi = m[b * ni + i]
                    for o in 0..<no {
                        let w = Double(abs(d.weight.values[i * no + o]))
                        propagated[o] += w * ei; sums[o] += w * mi
                    }
                }
                for o in 0..<no {
                    let s = bn.map { Double(abs($0.scale[o])) } ?? 1, t = bn.map { Double(abs($0.shift[o])) } ?? 0
                    out[b * no + o] = s * propagated[o] + Self.gamma(ni + extra) * (s * (sums[o] + Double(abs(d.bias[o]))) + t)
                }
            }
            return out
        }
        let ePen = dense(model.dense1, input: ePool, magnitude: mPool, bn: model.dense1BN, extra: 3)
        let mPen = magnitude("penultimate")
        let eLogit = dense(model.dense2, input: ePen, magnitude: mPen, bn: nil, extra: 1)
        let tags = model.architecture.tags.count
        let eTag = (0..<(n * tags)).map { i in
            eLogit[i] / 4 + Self.gamma(4) * Double(max(a.taggram.values[i], b.taggram.values[i]))
        }

        // Two computations, each within the bound of the exact value.
        func twice(_ v: [Double]) -> [Double] { v.map { 2 * $0 } }
        let nt = a.features["timbral"]!.shape[2]
        var timbral = [Double](), temporal = [Double]()
        for r in 0..<(n * frames) {
            timbral += eFront[(r * fc)..<(r * fc + nt)]
            temporal += eFront[(r * fc + nt)..<(r * fc + fc)]
        }
        taggram = tensor(a.taggram.shape, twice(eTag))
        features = [
            "timbral": tensor(a.features["timbral"]!.shape, twice(timbral)),
            "temporal": tensor(a.features["temporal"]!.shape, twice(temporal)),
            "cnn1": tensor([n, frames, fF], twice(e1)), "cnn2": tensor([n, frames, fF], twice(e2)),
            "cnn3": tensor([n, frames, fF], twice(e3)),
            "max_pool": tensor([n, cAll], twice(eMax)), "mean_pool": tensor([n, cAll], twice(eMean)),
            "penultimate": tensor([n, model.architecture.backendUnits], twice(ePen)),
        ]
    }

    /// Largest `|a − b| − bound` over the elements (≤ 0: every element within its bound), and the largest bound.
    static func excess(_ a: Tensor, _ b: Tensor, bound: Tensor) -> (excess: Double, largestBound: Float) {
        precondition(a.shape == b.shape && a.shape == bound.shape, "MusicnnRoundingBound: shapes \(a.shape) \(b.shape) \(bound.shape)")
        var worst = -Double.infinity
        for i in a.values.indices {
            worst = max(worst, abs(Double(a.values[i]) - Double(b.values[i])) - Double(bound.values[i]))
        }
        return (worst, bound.values.max() ?? 0)
    }
}
