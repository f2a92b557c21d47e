import GenreKitNN

/// The back end: max and mean over time of the front end and the three mid-end outputs, pooled part by part (the
/// front end's from its non-constant channels and constants), then the dense layers.
extension MusicnnModel {
    /// Back end over `[n, T, C]`: (max_pool, mean_pool, penultimate, taggram).
    @_spi(Benchmarks) public func backend(_ all: Tensor) -> (Tensor, Tensor, Tensor, Tensor) { backend(parts: [all]) }

    /// Back end over the channel-wise concatenation of `parts` (`[n, T, C_p]` each, `C = Σ C_p`), without building it:
    /// (max_pool, mean_pool, penultimate, taggram), bit for bit those of ``backend(_:)`` on the concatenation.
    @_spi(Benchmarks) public func backend(parts: [Tensor]) -> (Tensor, Tensor, Tensor, Tensor) {
        backend(pools: Self.pools(parts))
    }

    /// Back end from each part's max and mean over time (`[n, C_p]` each), concatenated channel-wise.
    func backend(pools: [(max: Tensor, mean: Tensor)]) -> (Tensor, Tensor, Tensor, Tensor) {
        let (maxPool, meanPool, normalizedPool) = pooling(pools: pools)
        let precision = laterLayersPrecision
        let penultimate = dense1(normalizedPool, followedBy: dense1BN, precision: precision,
                                 activationScale: int8Calibration.dense1)
        let logits = dense2(penultimate, precision: precision, activationScale: int8Calibration.dense2)
        let taggram = architecture.outputActivation == .softmax ? logits.softmax() : logits.sigmoid()
        return (maxPool, meanPool, penultimate, taggram)
    }

    /// Each part's max and mean over time (`[n, T, C_p]` → `[n, C_p]` twice).
    static func pools(_ parts: [Tensor]) -> [(max: Tensor, mean: Tensor)] {
        parts.map { ($0.max(alongAxis: 1), $0.mean(alongAxis: 1)) }
    }

    /// Max and mean over time `[n, C]` each of the channel-wise concatenation of the parts whose ``pools(_:)`` are
    /// given, and the dense layers' input: `poolBN` of them interleaved per channel. Pooled part by part, each
    /// channel's max and mean run over time in the same order as over the concatenation, so they are bit for bit the
    /// same, without the `[n, T, C]` copy (`C = 2097` for MSD_musicnn: 12 MB per 8-patch chunk).
    func pooling(pools: [(max: Tensor, mean: Tensor)]) -> (max: Tensor, mean: Tensor, normalized: Tensor) {
        let n = pools[0].max.shape[0]
        let maxPool = pools.count == 1 ? pools[0].max : Tensor.concatenate(pools.map(\.max), alongAxis: 1)
        let meanPool = pools.count == 1 ? pools[0].mean : Tensor.concatenate(pools.map(\.mean), alongAxis: 1)
        let c = maxPool.shape[1]
        let pooled = Tensor(shape: [n, 2 * c]) { out in
            maxPool.values.withUnsafeBufferPointer { mx in
                meanPool.values.withUnsafeBufferPointer { me in
                    for i in 0..<(n * c) { out[2 * i] = mx[i]; out[2 * i + 1] = me[i] }
                }
            }
        }
        return (maxPool, meanPool, poolBN(pooled))
    }

    /// Max and mean over time `[n, 561]` of the full front end, from its non-constant channels `[n, T, A]` alone: a
    /// constant channel's max is its constant `c`, and its mean the same float32 sum in index order (`c + c + …`)
    /// divided by `T`; so both are bit for bit ``Tensor/max(alongAxis:)`` and ``Tensor/mean(alongAxis:)`` of
    /// ``frontend(_:)``'s `full`, without building it.
    func frontendPools(active: Tensor) -> (max: Tensor, mean: Tensor) {
        let n = active.shape[0], frames = active.shape[1], na = active.shape[2], total = frontendChannels
        let activeMax = active.max(alongAxis: 1), activeMean = active.mean(alongAxis: 1)
        var mx = Tensor(shape: [n, total]), me = Tensor(shape: [n, total])
        mx.values.withUnsafeMutableBufferPointer { mxb in
            me.values.withUnsafeMutableBufferPointer { meb in
                var fOff = 0, aOff = 0
                for b in branches {
                    let means = b.constant.map { c -> Float in
                        var sum = c
                        for _ in 1..<Swift.max(frames, 1) { sum += c }
                        return sum / Float(frames)
                    }
                    for p in 0..<n {
                        for j in 0..<b.filters {
                            mxb[p * total + fOff + j] = b.constant[j]
                            meb[p * total + fOff + j] = means[j]
                        }
                        for (k, j) in b.active.enumerated() {
                            mxb[p * total + fOff + j] = activeMax.values[p * na + aOff + k]
                            meb[p * total + fOff + j] = activeMean.values[p * na + aOff + k]
                        }
                    }
                    fOff += b.filters
                    aOff += b.active.count
                }
            }
        }
        return (mx, me)
    }
}
