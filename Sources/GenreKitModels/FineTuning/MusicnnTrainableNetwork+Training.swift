import Foundation
import GenreKitCore
import GenreKitDSP
import GenreKitNN

/// Values a training-mode forward pass keeps for the backward pass.
public struct MusicnnTape: Sendable {
    var normalized: Tensor?
    var normalizedPadded: Tensor?
    var frontCaches: [ConvMaxOverWidthCache] = []
    var midInputs: [Tensor] = []
    var midPreActivations: [Tensor] = []
    var midCaches: [BatchNormCache] = []
    var pooledMaps: Tensor?
    var poolCache: BatchNormCache?
    var poolMask: [Float] = []
    var denseInput: Tensor?
    var densePreActivation: Tensor?
    var denseCache: BatchNormCache?
    var outputMask: [Float] = []
    var outputInput: Tensor?
}

extension MusicnnTrainableNetwork {
    /// Clamps log-mel patches `[n, T, 96]` to `[0, inputMaximum]` and applies the frozen input batch norm: `[n, T, 96, 1]`.
    func normalizedInput(_ x: Tensor) -> Tensor {
        let hi = ModelArchitecture.inputMaximum, s = inputScale, t = inputShift
        return Tensor(shape: [x.shape[0], x.shape[1], MusicnnInput.melBands, 1]) { out in
            x.values.withUnsafeBufferPointer { src in
                for i in 0..<src.count { out[i] = min(max(src[i], 0), hi) * s + t }
            }
        }
    }

    /// A mid-end convolution's input: `[n, T, C]` as `[n, T + 6, C, 1]`, zero-padded by 3 frames on each side.
    static func midendInput(_ maps: Tensor) -> Tensor {
        maps.reshaped([maps.shape[0], maps.shape[1], maps.shape[2], 1]).padded([(0, 0), (3, 3), (0, 0), (0, 0)])
    }

    /// `[n, T, C]` → `[n, 2C]`: max and mean over time, interleaved per channel (`[max_0, mean_0, max_1, …]`).
    static func interleavedPool(_ maps: Tensor) -> Tensor {
        let n = maps.shape[0], c = maps.shape[2]
        let mx = maps.max(alongAxis: 1), me = maps.mean(alongAxis: 1)
        return Tensor(shape: [n, 2 * c]) { out in
            mx.values.withUnsafeBufferPointer { a in
                me.values.withUnsafeBufferPointer { b in
                    for i in 0..<(n * c) { out[2 * i] = a[i]; out[2 * i + 1] = b[i] }
                }
            }
        }
    }

    /// Training-mode forward pass of the trained part on a batch of its inputs (``itemShape(frames:)`` per item):
    /// batch norms use batch statistics and update their moving averages, dropout masks come from `generator`.
    /// Its GEMMs (and those of ``backward(_:logitsGradient:)``) run in ``gemmPrecision``.
    /// Returns the logits `[n, classes]` and the tape for ``backward(_:logitsGradient:)``.
    public mutating func forwardTraining(_ input: Tensor, generator: inout SeededGenerator) -> (logits: Tensor, tape: MusicnnTape) {
        var tape = MusicnnTape()
        let n = input.shape[0]
        var x = input
        if stage.firstTrainedPart <= 0 {
            let xn = normalizedInput(input)
            let padded = xn.padded([(0, 0), (3, 3), (0, 0), (0, 0)])
            var outs: [Tensor] = []
            for i in 0..<2 {
                var bns = [frontBN[i].layer]
                let (o, c) = ConvMaxOverWidthTraining.forward([front[i].linear], bns: &bns, input: padded, precision: gemmPrecision)
                frontBN[i].layer = bns[0]
                outs += o; tape.frontCaches += c
            }
            var bns = frontBN[2...].map(\.layer)
            let (o, c) = ConvMaxOverWidthTraining.forward(front[2...].map(\.linear), bns: &bns, input: xn, precision: gemmPrecision)
            for (k, bn) in bns.enumerated() { frontBN[2 + k].layer = bn }
            outs += o; tape.frontCaches += c
            tape.normalized = xn; tape.normalizedPadded = padded
            x = Tensor.concatenate(outs, alongAxis: 2)
        }
        if stage.firstTrainedPart <= 1 {
            let frames = x.shape[1], f = base.midendFilters
            var maps = [x]
            var previous = x
            for i in 0..<3 {
                let input = Self.midendInput(previous)
                let z = mid[i].linear(input, precision: gemmPrecision)
                let (y, cache) = midBN[i].layer.forwardTraining(z.relu())
                var out = y.reshaped([n, frames, f])
                if i > 0 { out = out + previous }
                tape.midInputs.append(input); tape.midPreActivations.append(z); tape.midCaches.append(cache)
                maps.append(out)
                previous = out
            }
            x = Self.interleavedPool(Tensor.concatenate(maps, alongAxis: 2))
            tape.pooledMaps = Tensor.concatenate(maps, alongAxis: 2)
        }
        if stage.firstTrainedPart <= 2 {
            let (p, pc) = poolBN.layer.forwardTraining(x)
            let dropped = dropout(p, &tape.poolMask, &generator)
            let z = dense1.linear(dropped, precision: gemmPrecision)
            let (h, hc) = dense1BN.layer.forwardTraining(z.relu())
            tape.poolCache = pc; tape.denseInput = dropped; tape.densePreActivation = z; tape.denseCache = hc
            x = h
        }
        let dropped = dropout(x, &tape.outputMask, &generator)
        tape.outputInput = dropped
        return (output.linear(dropped, precision: gemmPrecision), tape)
    }

    private func dropout(_ x: Tensor, _ mask: inout [Float], _ generator: inout SeededGenerator) -> Tensor {
        guard dropoutRate > 0 else { return x }
        let (y, m) = Dropout(rate: dropoutRate).forward(x, generator: &generator)
        mask = m
        return y
    }

    private func undropout(_ g: Tensor, _ mask: [Float]) -> Tensor {
        mask.isEmpty ? g : Dropout(rate: dropoutRate).backward(outputGradient: g, mask: mask)
    }

    /// Gradients of the loss with respect to ``parameters`` (same order), from `∂L/∂logits` and the tape of the
    /// forward pass that produced the logits.
    public func backward(_ tape: MusicnnTape, logitsGradient dl: Tensor) -> [Tensor] {
        func vec(_ v: [Float]) -> Tensor { Tensor(shape: [v.count], values: v) }
        let p = gemmPrecision
        let go = DenseBackward(weight: output.weight)(input: tape.outputInput!, outputGradient: dl, precision: p)
        var outputGrads = [go.weight, vec(go.bias)]
        var backendGrads: [Tensor] = [], midGrads: [Tensor] = [], frontGrads: [Tensor] = []
        var upstream = undropout(go.input, tape.outputMask)
        if stage.firstTrainedPart <= 2 {
            let gb = BatchNormBackward.training(outputGradient: upstream, cache: tape.denseCache!, gamma: dense1BN.layer.gamma)
            let dz = Activation.relu.backward(preActivation: tape.densePreActivation!, outputGradient: gb.input)
            let gd = DenseBackward(weight: dense1.weight)(input: tape.denseInput!, outputGradient: dz, precision: p)
            let gp = BatchNormBackward.training(outputGradient: undropout(gd.input, tape.poolMask), cache: tape.poolCache!,
                                                gamma: poolBN.layer.gamma)
            backendGrads = [vec(gp.gamma), vec(gp.beta), gd.weight, vec(gd.bias), vec(gb.gamma), vec(gb.beta)]
            upstream = gp.input
        }
        if stage.firstTrainedPart <= 1 {
            let maps = tape.pooledMaps!
            let n = maps.shape[0], frames = maps.shape[1], c = maps.shape[2], f = base.midendFilters
            var dmax = Tensor(shape: [n, c]), dmean = Tensor(shape: [n, c])
            upstream.values.withUnsafeBufferPointer { g in
                for i in 0..<(n * c) { dmax.values[i] = g[2 * i]; dmean.values[i] = g[2 * i + 1] }
            }
            let dmaps = ReductionBackward(.max, axis: 1)(input: maps, outputGradient: dmax)
                + ReductionBackward(.mean, axis: 1)(input: maps, outputGradient: dmean)
            var parts = dmaps.split(alongLastAxis: [c - 3 * f, f, f, f])
            let crop = PadBackward(paddings: [(0, 0), (3, 3), (0, 0), (0, 0)])
            var perLayer: [[Tensor]] = []
            for i in stride(from: 2, through: 0, by: -1) {
                // parts[i + 1] is ∂L/∂(output of mid-end layer i), residual contributions included.
                let gb = BatchNormBackward.training(outputGradient: parts[i + 1].reshaped([n, frames, 1, f]), cache: tape.midCaches[i],
                                                    gamma: midBN[i].layer.gamma)
                let dz = Activation.relu.backward(preActivation: tape.midPreActivations[i], outputGradient: gb.input)
                let gc = Conv2DBackward(mid[i].linear)(input: tape.midInputs[i], outputGradient: dz, precision: p)
                let dInput = crop(outputGradient: gc.input)
                let cin = dInput.shape[2]
                parts[i] = parts[i] + dInput.reshaped([n, frames, cin])
                if i > 0 { parts[i] = parts[i] + parts[i + 1] }      // residual: out_i = bn(...) + out_{i−1}
                perLayer.insert([gc.kernel, vec(gc.bias), vec(gb.gamma), vec(gb.beta)], at: 0)
            }
            midGrads = perLayer.flatMap { $0 }
            upstream = parts[0]
        }
        if stage.firstTrainedPart <= 0 {
            let widths = front.map { $0.kernel.shape[3] }
            let d = upstream.split(alongLastAxis: widths)
            var g: [ConvMaxOverWidthGradients] = []
            for i in 0..<2 {
                g += ConvMaxOverWidthTraining.backward([front[i].linear], bns: [frontBN[i].layer], input: tape.normalizedPadded!,
                                                       caches: [tape.frontCaches[i]], outputGradients: [d[i]], precision: p)
            }
            g += ConvMaxOverWidthTraining.backward(front[2...].map(\.linear), bns: frontBN[2...].map(\.layer), input: tape.normalized!,
                                                   caches: Array(tape.frontCaches[2...]), outputGradients: Array(d[2...]), precision: p)
            frontGrads = g.flatMap { [$0.kernel, vec($0.bias), vec($0.gamma), vec($0.beta)] }
        }
        outputGrads = frontGrads + midGrads + backendGrads + outputGrads
        return outputGrads
    }

    /// Inference-mode logits of the trained part (moving statistics, no dropout) for a batch of its inputs.
    public func forwardInference(_ input: Tensor) -> Tensor {
        let n = input.shape[0]
        var x = input
        if stage.firstTrainedPart <= 0 {
            let xn = normalizedInput(input)
            let padded = xn.padded([(0, 0), (3, 3), (0, 0), (0, 0)])
            var outs: [Tensor] = []
            for i in 0..<2 {
                outs += ConvMaxOverWidth.forward([front[i].rectified], bns: [frontBN[i].layer.inference], input: padded)
            }
            outs += ConvMaxOverWidth.forward(front[2...].map(\.rectified), bns: frontBN[2...].map { $0.layer.inference }, input: xn)
            x = Tensor.concatenate(outs, alongAxis: 2)
        }
        if stage.firstTrainedPart <= 1 {
            let frames = x.shape[1], f = base.midendFilters
            var maps = [x]
            var previous = x
            for i in 0..<3 {
                let input = Self.midendInput(previous)
                var out = mid[i].rectified(input, followedBy: midBN[i].layer.inference).reshaped([n, frames, f])
                if i > 0 { out = out + previous }
                maps.append(out)
                previous = out
            }
            x = Self.interleavedPool(Tensor.concatenate(maps, alongAxis: 2))
        }
        if stage.firstTrainedPart <= 2 {
            let p = poolBN.layer.inference(x)
            x = Dense(weight: dense1.weight, bias: dense1.bias, activation: .relu)(p, followedBy: dense1BN.layer.inference)
        }
        return output.linear(x)
    }
}
