import Foundation

/// Frame-wise time-domain features, centered like the STFT (frame `t` covers samples
/// `t·hop − frameLength/2 ..< t·hop + frameLength/2`), `1 + ⌊count/hop⌋` frames.
public enum TimeDomainFeatures {
    public static func frameCount(sampleCount: Int, hopLength: Int) -> Int { 1 + sampleCount / hopLength }

    /// `librosa.feature.zero_crossing_rate(y, frame_length, hop_length, center=True)`: the signal is padded by
    /// repeating its edge samples (`mode="edge"`); in each frame, the fraction of the `frameLength` positions
    /// `i ≥ 1` whose sign differs from position `i − 1`, where samples with `|x| ≤ 1e-10` count as positive zero.
    /// GenreKit uses frame 512 / hop 256 (librosa's defaults are 2048 / 512) so the frames match the STFT's.
    public static func zeroCrossingRate(_ y: [Float], frameLength: Int = 512, hopLength: Int = 256,
                                        threshold: Float = 1e-10) -> [Double] {
        let n = y.count, half = frameLength / 2
        guard n > 0 else { return [Double](repeating: 0, count: 1) }
        func negative(_ j: Int) -> Bool {
            let x = y[min(max(j, 0), n - 1)]
            return !(-threshold <= x && x <= threshold) && x.sign == .minus
        }
        return (0..<frameCount(sampleCount: n, hopLength: hopLength)).map { t in
            let start = t * hopLength - half
            var count = 0
            var prev = negative(start)
            for i in 1..<frameLength {
                let cur = negative(start + i)
                if cur != prev { count += 1 }
                prev = cur
            }
            return Double(count) / Double(frameLength)
        }
    }

    /// `librosa.feature.rms(y, frame_length, hop_length, center=True, pad_mode="constant")`:
    /// `√(mean(x²))` over each zero-padded frame (float32 squares, float64 mean).
    public static func rms(_ y: [Float], frameLength: Int = 512, hopLength: Int = 256) -> [Float] {
        let n = y.count, half = frameLength / 2
        return (0..<frameCount(sampleCount: n, hopLength: hopLength)).map { t in
            let start = t * hopLength - half
            var acc = 0.0
            for j in max(0, start)..<min(n, start + frameLength) { let v = y[j]; acc += Double(v * v) }
            return Float(acc / Double(frameLength)).squareRoot()
        }
    }
}
