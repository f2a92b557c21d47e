import GenreKitDSP
import GenreKitNN

extension MusicnnModel {
    /// This model with static int8 activation scales measured on `patches` (`count × T × 96` log-mel values, e.g.
    /// the user's own audio): each layer's `s_a = max |a| / 127` over the fp32 activations its GEMM reads. The front
    /// end keeps the scale of the bounded input (``Int8Calibration``). The scales are the later layers', so the model
    /// returned runs every layer in int8 (``Int8Scope/allLayers``).
    public func calibrated(patches: [Float], count: Int) -> MusicnnModel {
        precondition(count > 0 && patches.count % (count * MusicnnInput.melBands) == 0,
                     "MusicnnModel.calibrated: \(patches.count) values are not \(count) patches")
        let fp32 = forcingPrecision(.fp32)
        let frames = patches.count / (count * MusicnnInput.melBands)
        var peaks = [Float](repeating: 0, count: 5)
        func peak(_ t: Tensor) -> Float {
            t.values.withUnsafeBufferPointer { LowPrecision.maxAbs($0.baseAddress!, count: $0.count) }
        }
        var start = 0
        let per = frames * MusicnnInput.melBands
        while start < count {
            let n = Swift.min(Swift.max(chunkSize, 1), count - start)
            let xn = fp32.normalizedInput(Array(patches[(start * per)..<((start + n) * per)]), count: n, frames: frames)
            let (front, active) = fp32.frontend(xn)
            let midIn = fp32.mid1.inputChannels == fp32.frontendChannels ? front : active
            let (cnn1, cnn2, cnn3) = fp32.midend(active: midIn)
            let pools = MusicnnModel.pools([front, cnn1, cnn2, cnn3])
            let normalizedPool = fp32.pooling(pools: pools).normalized
            let (_, _, penultimate, _) = fp32.backend(pools: pools)
            for (i, t) in [midIn, cnn1, cnn2, normalizedPool, penultimate].enumerated() { peaks[i] = Swift.max(peaks[i], peak(t)) }
            start += n
        }
        let s = peaks.map { $0 > 0 ? $0 / 127 : 1 }
        var m = self
        m.int8Calibration = Int8Calibration(frontend: int8Calibration.frontend, mid1: s[0], mid2: s[1], mid3: s[2],
                                            dense1: s[3], dense2: s[4])
        m.int8Scope = .allLayers
        return m
    }
}
