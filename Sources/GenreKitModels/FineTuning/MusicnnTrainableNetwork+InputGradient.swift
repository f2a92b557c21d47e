import Foundation
import GenreKitDSP
import GenreKitNN

/// The layers an explanation can start from, for a batch of log-mel patches, in inference mode.
public struct MusicnnLayerValues: Sendable {
    /// What the back end pools: front end, `cnn1`, `cnn2`, `cnn3` side by side, `[n, T, 561 + 3F]` (the mid-end
    /// feature maps Grad-CAM weighs).
    public var maps: Tensor
    /// `[n, 561 + 3F]` each.
    public var maxPool: Tensor
    public var meanPool: Tensor
    /// `[n, units]`.
    public var penultimate: Tensor
    /// Output pre-activations `[n, classes]` (the taggram is their sigmoid or softmax).
    public var logits: Tensor
}

/// `∂score/∂layer` for the layers of ``MusicnnLayerValues`` a score reads (nil: the score does not read it).
public struct MusicnnLayerGradients: Sendable {
    public var maxPool: Tensor?
    public var meanPool: Tensor?
    public var penultimate: Tensor?
    public var logits: Tensor?

    public init(maxPool: Tensor? = nil, meanPool: Tensor? = nil, penultimate: Tensor? = nil, logits: Tensor? = nil) {
        self.maxPool = maxPool; self.meanPool = meanPool; self.penultimate = penultimate; self.logits = logits
    }
}

/// What ``MusicnnTrainableNetwork/forwardForGradient(_:)`` keeps for ``MusicnnTrainableNetwork/inputGradient(_:_:)``.
public struct MusicnnGradientTape: Sendable {
    var input: Tensor
    var normalized: Tensor
    var normalizedPadded: Tensor
    /// Per front-end convolution: pre-activation `z` `[n, T, W, c]` and the width each output row's max picked.
    var frontPreActivations: [Tensor] = []
    var frontSelected: [[Int32]] = []
    var midInputs: [Tensor] = []
    var midPreActivations: [Tensor] = []
    var maps: Tensor
    var poolInput: Tensor
    var densePreActivation: Tensor
}

extension MusicnnTrainableNetwork {
    /// Inference-mode forward pass of the whole network (moving statistics, no dropout; needs stage `all`) over
    /// log-mel patches `[n, T, 96]`, keeping what ``inputGradient(_:_:)`` needs. The values equal
    /// ``forwardInference(_:)`` and the published network's outputs to float rounding.
    public func forwardForGradient(_ patches: Tensor) -> (values: MusicnnLayerValues, tape: MusicnnGradientTape) {
        precondition(stage == .all, "forwardForGradient: needs every layer (stage all), got \(stage)")
        let n = patches.shape[0], frames = patches.shape[1]
        let xn = normalizedInput(patches)
        let padded = xn.padded([(0, 0), (3, 3), (0, 0), (0, 0)])
        var outs: [Tensor] = [], zs: [Tensor] = [], selected: [[Int32]] = []
        for i in front.indices {
            let z = front[i].linear(i < 2 ? padded : xn)
            let (y, sel) = Self.maxOverWidth(z, bn: frontBN[i].layer.inference)
            outs.append(y); zs.append(z); selected.append(sel)
        }
        let frontMaps = Tensor.concatenate(outs, alongAxis: 2)
        var maps = [frontMaps], midInputs: [Tensor] = [], midZ: [Tensor] = []
        var previous = frontMaps
        let f = base.midendFilters
        for i in 0..<3 {
            let input = Self.midendInput(previous)
            let z = mid[i].linear(input)
            var out = midBN[i].layer.inference(z.relu()).reshaped([n, frames, f])
            if i > 0 { out = out + previous }
            midInputs.append(input); midZ.append(z); maps.append(out)
            previous = out
        }
        let all = Tensor.concatenate(maps, alongAxis: 2)
        let maxPool = all.max(alongAxis: 1), meanPool = all.mean(alongAxis: 1)
        let pooled = Self.interleavedPool(all)
        let p = poolBN.layer.inference(pooled)
        let z1 = dense1.linear(p)
        let penultimate = dense1BN.layer.inference(z1.relu())
        let logits = output.linear(penultimate)
        let tape = MusicnnGradientTape(input: patches, normalized: xn, normalizedPadded: padded, frontPreActivations: zs,
                                       frontSelected: selected, midInputs: midInputs, midPreActivations: midZ, maps: all,
                                       poolInput: p, densePreActivation: z1)
        return (MusicnnLayerValues(maps: all, maxPool: maxPool, meanPool: meanPool, penultimate: penultimate, logits: logits), tape)
    }

    /// `max_w bn(relu(z))` over the width axis of `z` `[n, T, W, c]`: `[n, T, c]` and the first width reaching it.
    static func maxOverWidth(_ z: Tensor, bn: BatchNorm) -> (Tensor, [Int32]) {
        let (n, t, w, c) = (z.shape[0], z.shape[1], z.shape[2], z.shape[3])
        var out = [Float](repeating: 0, count: n * t * c), sel = [Int32](repeating: 0, count: n * t * c)
        z.values.withUnsafeBufferPointer { zb in
            for r in 0..<(n * t) {
                for ch in 0..<c {
                    var best = -Float.infinity, arg: Int32 = 0
                    for k in 0..<w {
                        let y = max(zb[(r * w + k) * c + ch], 0) * bn.scale[ch] + bn.shift[ch]
                        if y > best { best = y; arg = Int32(k) }
                    }
                    out[r * c + ch] = best; sel[r * c + ch] = arg
                }
            }
        }
        return (Tensor(shape: [n, t, c], values: out), sel)
    }

    /// `∂score/∂patches` `[n, T, 96]` and `∂score/∂maps` `[n, T, 561 + 3F]` (Grad-CAM's weights), from the score's
    /// gradients at the layers it reads. Batch norms are affine in inference mode (`∂y/∂x = scale`); max pools send
    /// the gradient to the first maximum as TensorFlow; the input clamp to `[0, maximum]` passes it inside the range.
    public func inputGradient(_ tape: MusicnnGradientTape, _ g: MusicnnLayerGradients) -> (input: Tensor, maps: Tensor) {
        let maps = tape.maps
        let n = maps.shape[0], frames = maps.shape[1], c = maps.shape[2], f = base.midendFilters
        // Output layer → penultimate → pooled.
        var dPen = g.penultimate ?? Tensor(shape: [n, dense1.bias.count])
        if let dl = g.logits { dPen = dPen + DenseBackward(weight: output.weight)(input: Tensor(shape: [n, output.weight.shape[0]]), outputGradient: dl).input }
        let dh = Self.scaled(dPen, dense1BN.layer.inference.scale)
        let dz1 = Activation.relu.backward(preActivation: tape.densePreActivation, outputGradient: dh)
        let dp = DenseBackward(weight: dense1.weight)(input: tape.poolInput, outputGradient: dz1).input
        let dPooled = Self.scaled(dp, poolBN.layer.inference.scale)
        var dmax = g.maxPool ?? Tensor(shape: [n, c]), dmean = g.meanPool ?? Tensor(shape: [n, c])
        dPooled.values.withUnsafeBufferPointer { d in
            for i in 0..<(n * c) { dmax.values[i] += d[2 * i]; dmean.values[i] += d[2 * i + 1] }
        }
        let dmaps = ReductionBackward(.max, axis: 1)(input: maps, outputGradient: dmax)
            + ReductionBackward(.mean, axis: 1)(input: maps, outputGradient: dmean)
        // Mid end, last layer first (residual sums as in the training backward pass).
        var parts = dmaps.split(alongLastAxis: [c - 3 * f, f, f, f])
        let crop = PadBackward(paddings: [(0, 0), (3, 3), (0, 0), (0, 0)])
        for i in stride(from: 2, through: 0, by: -1) {
            let dy = Self.scaled(parts[i + 1], midBN[i].layer.inference.scale).reshaped([n, frames, 1, f])
            let dz = Activation.relu.backward(preActivation: tape.midPreActivations[i], outputGradient: dy)
            let dIn = crop(outputGradient: Conv2DBackward(mid[i].linear)(input: tape.midInputs[i], outputGradient: dz).input)
            parts[i] = parts[i] + dIn.reshaped([n, frames, dIn.shape[2]])
            if i > 0 { parts[i] = parts[i] + parts[i + 1] }
        }
        // Front end: the max over width routes each output's gradient to its selected position.
        let widths = front.map { $0.kernel.shape[3] }
        let dFront = parts[0].split(alongLastAxis: widths)
        var dxn = Tensor(shape: tape.normalized.shape)
        for i in front.indices {
            let z = tape.frontPreActivations[i]
            let (t, w, ch) = (z.shape[1], z.shape[2], z.shape[3])
            let scale = frontBN[i].layer.inference.scale
            var dz = Tensor(shape: z.shape)
            let sel = tape.frontSelected[i]
            dFront[i].values.withUnsafeBufferPointer { d in
                z.values.withUnsafeBufferPointer { zb in
                    for r in 0..<(n * t) {
                        for k in 0..<ch {
                            let at = (r * w + Int(sel[r * ch + k])) * ch + k
                            if zb[at] > 0 { dz.values[at] = d[r * ch + k] * scale[k] }
                        }
                    }
                }
            }
            let dIn = Conv2DBackward(front[i].linear)(input: i < 2 ? tape.normalizedPadded : tape.normalized, outputGradient: dz).input
            dxn = dxn + (i < 2 ? crop(outputGradient: dIn) : dIn)
        }
        let hi = ModelArchitecture.inputMaximum, s = inputScale
        let dx = Tensor(shape: tape.input.shape) { out in
            tape.input.values.withUnsafeBufferPointer { x in
                dxn.values.withUnsafeBufferPointer { d in
                    for j in 0..<x.count { out[j] = x[j] >= 0 && x[j] <= hi ? d[j] * s : 0 }
                }
            }
        }
        return (dx, dmaps)
    }

    /// `g · scale` per channel of the last axis.
    static func scaled(_ g: Tensor, _ scale: [Float]) -> Tensor {
        let c = scale.count
        return Tensor(shape: g.shape) { out in
            g.values.withUnsafeBufferPointer { src in
                for j in 0..<src.count { out[j] = src[j] * scale[j % c] }
            }
        }
    }
}
