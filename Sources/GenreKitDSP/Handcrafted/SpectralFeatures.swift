import Foundation

/// Per-frame spectral features as librosa 0.11 defines them (`librosa.feature.spectral_*`), computed from a
/// ``LinearSpectrogram``. Each function returns one value per frame (or `frames × count`, frame-major).
/// Arithmetic follows librosa's dtypes: float32 where NumPy works in float32 (cumulative sums, thresholds),
/// float64 where librosa promotes (normalisation, frequency weighting); results are rounded to float32.
public enum SpectralFeatures {
    /// `librosa.util.normalize(S, norm=1, axis=-2)` of one magnitude frame: `S / Σ S` in float64, rounded to
    /// float32; frames whose sum is below float32's smallest normal number are left as they are.
    static func l1Normalized(_ row: ArraySlice<Float>) -> [Float] {
        var length = 0.0
        for v in row { length += Double(abs(v)) }
        if length < Double(Float.leastNormalMagnitude) { length = 1 }
        return row.map { Float(Double($0) / length) }
    }

    @inline(__always)
    static func row(_ m: [Float], _ t: Int, _ bins: Int) -> ArraySlice<Float> { m[(t * bins)..<((t + 1) * bins)] }

    /// Spectral centroid (`spectral_centroid`): `Σ_k f_k · S[k] / Σ_k S[k]` on the magnitude, in float64.
    public static func centroid(_ s: LinearSpectrogram) -> [Double] {
        (0..<s.frameCount).map { t in
            let n = l1Normalized(row(s.magnitude, t, s.binCount))
            var acc = 0.0
            for k in 0..<s.binCount { acc += s.frequencies[k] * Double(n[k]) }
            return acc
        }
    }

    /// Spectral bandwidth (`spectral_bandwidth`, p = 2, norm = True):
    /// `(Σ_k Ŝ[k] · |f_k − centroid|^p)^(1/p)` with `Ŝ` the L1-normalised magnitude.
    public static func bandwidth(_ s: LinearSpectrogram, p: Double = 2, centroid: [Double]? = nil) -> [Double] {
        let c = centroid ?? self.centroid(s)
        return (0..<s.frameCount).map { t in
            let n = l1Normalized(row(s.magnitude, t, s.binCount))
            var acc = 0.0
            for k in 0..<s.binCount {
                let dev = abs(c[t] - s.frequencies[k])
                acc += Double(n[k]) * (p == 2 ? dev * dev : pow(dev, p))
            }
            return pow(acc, 1 / p)
        }
    }

    /// Spectral roll-off (`spectral_rolloff`): the lowest bin frequency at which the float32 cumulative sum of
    /// the magnitude reaches `rollPercent` (rounded to float32) times the frame's total.
    public static func rolloff(_ s: LinearSpectrogram, rollPercent: Double = 0.85) -> [Double] {
        let bins = s.binCount, r = Float(rollPercent)
        var cum = [Float](repeating: 0, count: bins)
        return (0..<s.frameCount).map { t in
            var acc: Float = 0
            for k in 0..<bins { acc += s.magnitude[t * bins + k]; cum[k] = acc }
            let threshold = r * acc
            for k in 0..<bins where !(cum[k] < threshold) { return s.frequencies[k] }
            return .nan   // unreachable for non-negative input
        }
    }

    /// Spectral flatness (`spectral_flatness`, amin = 1e-10, power = 2): geometric over arithmetic mean of
    /// `max(amin, |X|²)` over the bins (means and logarithms in float64).
    public static func flatness(_ s: LinearSpectrogram, amin: Float = 1e-10) -> [Double] {
        let bins = s.binCount
        return (0..<s.frameCount).map { t in
            var logSum = 0.0, sum = 0.0
            for k in 0..<bins {
                let v = Double(max(amin, s.power[t * bins + k]))
                logSum += log(v); sum += v
            }
            return exp(logSum / Double(bins)) / (sum / Double(bins))
        }
    }

    /// Spectral contrast (`spectral_contrast`, linear = False): octave bands `[0, fmin], [fmin, 2·fmin], …,
    /// [fmin·2^(n−1), fmin·2^n]` (the last extended to Nyquist); in each band, the mean of the largest and the
    /// smallest `max(1, rint(quantile · bandSize))` magnitudes (peak, valley), and the contrast
    /// `power_to_db(peak) − power_to_db(valley)` where `power_to_db` (ref 1, amin 1e-10, top_db 80) floors
    /// each of the two arrays at its own maximum over all frames and bands minus 80 dB, as librosa does.
    /// Returns `frames × (bandCount + 1)`, frame-major.
    public static func contrast(_ s: LinearSpectrogram, bandCount: Int = 6, fmin: Double = 200,
                                quantile: Double = 0.02) -> [Float] {
        let bins = s.binCount, freq = s.frequencies, rows = bandCount + 1
        var octa = [Double](repeating: 0, count: bandCount + 2)
        for i in 0...bandCount { octa[i + 1] = fmin * pow(2.0, Double(i)) }
        precondition(octa[..<(bandCount + 1)].allSatisfy { $0 < 0.5 * Double(s.sampleRate) },
                     "Frequency band exceeds Nyquist: reduce fmin or bandCount")
        // Bin selection of each band, as librosa builds it.
        var bands: [(bins: [Int], take: Int)] = []
        for k in 0..<rows {
            var mask = freq.map { $0 >= octa[k] && $0 <= octa[k + 1] }
            let idx = mask.indices.filter { mask[$0] }
            if k > 0 { mask[idx[0] - 1] = true }
            if k == bandCount { for i in (idx.last! + 1)..<bins { mask[i] = true } }
            var sel = mask.indices.filter { mask[$0] }
            let take = max(1, Int((quantile * Double(sel.count)).rounded(.toNearestOrEven)))
            if k < bandCount { sel.removeLast() }
            bands.append((sel, take))
        }
        var peak = [Double](repeating: 0, count: s.frameCount * rows), valley = peak
        for t in 0..<s.frameCount {
            for (k, band) in bands.enumerated() {
                let sorted = band.bins.map { s.magnitude[t * bins + $0] }.sorted()
                let lo = sorted.prefix(band.take), hi = sorted.suffix(band.take)
                valley[t * rows + k] = Double(Float(lo.reduce(0.0) { $0 + Double($1) } / Double(lo.count)))
                peak[t * rows + k] = Double(Float(hi.reduce(0.0) { $0 + Double($1) } / Double(hi.count)))
            }
        }
        let dbPeak = powerToDB64(peak), dbValley = powerToDB64(valley)
        return (0..<peak.count).map { Float(dbPeak[$0] - dbValley[$0]) }
    }

    /// `librosa.power_to_db` on a float64 array (ref 1, amin 1e-10, top_db 80 over the whole array).
    static func powerToDB64(_ x: [Double], amin: Double = 1e-10, topDB: Double = 80) -> [Double] {
        var out = x.map { 10 * log10(max(amin, $0)) }
        if let peak = out.max() {
            let floor = peak - topDB
            for i in out.indices where out[i] < floor { out[i] = floor }
        }
        return out
    }
}
