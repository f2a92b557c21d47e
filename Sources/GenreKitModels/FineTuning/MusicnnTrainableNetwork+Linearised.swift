import Foundation
import GenreKitDSP
import GenreKitNN

extension MusicnnTrainableNetwork {
    /// The network's first-order model at the point `tape` was recorded: the same layers with every ReLU mask, every
    /// max selection (front-end max over width, back-end max over time) and the input clamp frozen as they were
    /// there. It is affine in `patches`, equals the network at the tape's point, and its gradient is exactly
    /// ``inputGradient(_:_:)`` — so finite differences of it check the backward pass with any step size.
    public func forwardLinearised(_ patches: Tensor, around tape: MusicnnGradientTape) -> MusicnnLayerValues {
        let n = patches.shape[0], frames = patches.shape[1]
        precondition(patches.shape == tape.input.shape, "forwardLinearised: \(patches.shape) vs \(tape.input.shape)")
        let hi = ModelArchitecture.inputMaximum
        let x = Tensor(shape: patches.shape) { out in
            for j in 0..<patches.count {
                let x0 = tape.input.values[j]
                out[j] = x0 >= 0 && x0 <= hi ? patches.values[j] : min(max(x0, 0), hi)
            }
        }
        let xn = Tensor(shape: [n, frames, MusicnnInput.melBands, 1]) { out in
            for j in 0..<x.count { out[j] = x.values[j] * inputScale + inputShift }
        }
        let padded = xn.padded([(0, 0), (3, 3), (0, 0), (0, 0)])
        var outs: [Tensor] = []
        for i in front.indices {
            let z = front[i].linear(i < 2 ? padded : xn), z0 = tape.frontPreActivations[i]
            let (t, w, c) = (z.shape[1], z.shape[2], z.shape[3])
            let bn = frontBN[i].layer.inference, sel = tape.frontSelected[i]
            outs.append(Tensor(shape: [n, t, c]) { out in
                for r in 0..<(n * t) {
                    for k in 0..<c {
                        let at = (r * w + Int(sel[r * c + k])) * c + k
                        out[r * c + k] = (z0.values[at] > 0 ? z.values[at] : 0) * bn.scale[k] + bn.shift[k]
                    }
                }
            })
        }
        let frontMaps = Tensor.concatenate(outs, alongAxis: 2)
        var maps = [frontMaps], previous = frontMaps
        let f = base.midendFilters
        for i in 0..<3 {
            let z = mid[i].linear(Self.midendInput(previous)), z0 = tape.midPreActivations[i]
            let masked = Tensor(shape: z.shape) { out in for j in 0..<z.count { out[j] = z0.values[j] > 0 ? z.values[j] : 0 } }
            var out = midBN[i].layer.inference(masked).reshaped([n, frames, f])
            if i > 0 { out = out + previous }
            maps.append(out)
            previous = out
        }
        let all = Tensor.concatenate(maps, alongAxis: 2)
        let c = all.shape[2]
        // Max over time at the tape's first maximum.
        let maxPool = Tensor(shape: [n, c]) { out in
            for b in 0..<n {
                for k in 0..<c {
                    var best = 0
                    for t in 1..<frames where tape.maps.values[(b * frames + t) * c + k] > tape.maps.values[(b * frames + best) * c + k] { best = t }
                    out[b * c + k] = all.values[(b * frames + best) * c + k]
                }
            }
        }
        let meanPool = all.mean(alongAxis: 1)
        let pooled = Tensor(shape: [n, 2 * c]) { out in
            for j in 0..<(n * c) { out[2 * j] = maxPool.values[j]; out[2 * j + 1] = meanPool.values[j] }
        }
        let z1 = dense1.linear(poolBN.layer.inference(pooled)), z10 = tape.densePreActivation
        let h = Tensor(shape: z1.shape) { out in for j in 0..<z1.count { out[j] = z10.values[j] > 0 ? z1.values[j] : 0 } }
        let penultimate = dense1BN.layer.inference(h)
        return MusicnnLayerValues(maps: all, maxPool: maxPool, meanPool: meanPool, penultimate: penultimate, logits: output.linear(penultimate))
    }
}
