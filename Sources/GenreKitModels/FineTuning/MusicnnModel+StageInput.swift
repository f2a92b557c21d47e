import GenreKitDSP
import GenreKitNN

extension MusicnnModel {
    /// What the trained part of a network fine-tuned from `stage` reads, computed by this (frozen, inference-mode)
    /// network for `count` log-mel patches (`count × T × 96`): the patches themselves (`all`), the front-end maps
    /// `[count, T, 561]` (`midend`), the interleaved max/mean pool `[count, 2·(561 + 3F)]` (`backend`), or
    /// `penultimate` `[count, units]` (`head`). See ``MusicnnTrainableNetwork/itemShape(frames:)``.
    public func stageInput(_ stage: FineTuneStage, patches: [Float], count: Int) -> Tensor {
        let mels = MusicnnInput.melBands
        let frames = patches.count / max(count * mels, 1)
        switch stage {
        case .all:
            return Tensor(shape: [count, frames, mels], values: patches)
        case .midend:
            let out = predict(patches: patches, count: count, features: ["timbral", "temporal"])
            return Tensor.concatenate([out.features["timbral"]!, out.features["temporal"]!], alongAxis: 2)
        case .backend:
            let out = predict(patches: patches, count: count, features: ["max_pool", "mean_pool"])
            let mx = out.features["max_pool"]!, me = out.features["mean_pool"]!
            let c = mx.shape[1]
            return Tensor(shape: [count, 2 * c]) { dst in
                mx.values.withUnsafeBufferPointer { a in
                    me.values.withUnsafeBufferPointer { b in
                        for i in 0..<(count * c) { dst[2 * i] = a[i]; dst[2 * i + 1] = b[i] }
                    }
                }
            }
        case .head:
            return predict(patches: patches, count: count, features: ["penultimate"]).features["penultimate"]!
        }
    }
}
