import Foundation
import GenreKitCore
import GenreKitDSP
import GenreKitModels
import GenreKitNN

/// One song's mel power spectrogram (musicnn's front end before the log compression), the source of its
/// training and validation segments.
public struct SongSpectrogram: Sendable {
    /// `frames × 96` mel power, row-major.
    public let power: [Float]
    public let frames: Int

    public init(power: [Float]) {
        self.power = power
        frames = power.count / MusicnnInput.melBands
    }

    /// Decodes `path` at 16 kHz and computes its mel power.
    public init(path: String, frontEnd: MusicnnFrontEnd = MusicnnFrontEnd()) throws {
        let audio = try frontEnd.decoder.decode(path: path)
        self.init(power: frontEnd.mel.power(audio.samples))
    }

    /// Largest start frame of a `length`-frame segment (0 for a clip shorter than one segment).
    public func lastStart(length: Int) -> Int { max(0, frames - length) }

    /// The mel power of frames `[start, start + length)`; a clip shorter than `length` is tiled (musicnn's
    /// repeat-pad).
    public func powerSegment(start: Int, length: Int) -> [Float] {
        let bands = MusicnnInput.melBands
        if frames >= length {
            return Array(power[(start * bands)..<((start + length) * bands)])
        }
        return Patches(frameCount: length, shortClipPolicy: .repeatPad).extract(power, bands: bands).values
    }

    /// The log-mel network input of a segment (``MusicnnCompression``), augmented as `augmentation` says.
    public func segment(start: Int, length: Int, augmentation: FineTuneOptions.Augmentation = .init(),
                        filterbank: MelFilterbank? = nil, generator: inout SeededGenerator) -> [Float] {
        var p = powerSegment(start: start, length: length)
        if augmentation.gainDecibels > 0 {
            let db = (2 * generator.nextUnitFloat() - 1) * augmentation.gainDecibels
            let g = Float(pow(10, Double(db) / 10))
            for i in p.indices { p[i] *= g }
        }
        if let snr = augmentation.noiseSNR, let fb = filterbank {
            SegmentAugmentation.addNoise(&p, frames: length, snr: snr + 20 * generator.nextUnitFloat(), filterbank: fb,
                                         generator: &generator)
        }
        MusicnnCompression.apply(inPlace: &p)
        SegmentAugmentation.specAugment(&p, frames: length, timeMask: augmentation.timeMask,
                                        frequencyMask: augmentation.frequencyMask, generator: &generator)
        return p
    }
}

/// The input-level augmentations of fine-tuning.
public enum SegmentAugmentation {
    /// Adds white noise in the mel power domain at `snr` dB: per frame, an exponential variate per STFT bin (the
    /// distribution of a white-noise periodogram) through the mel filterbank, scaled so that the noise power is
    /// `10^(−snr/10)` of the segment's. The signal–noise cross term, zero in expectation, is left out.
    public static func addNoise(_ power: inout [Float], frames: Int, snr: Float, filterbank: MelFilterbank,
                                generator: inout SeededGenerator) {
        let bands = filterbank.melCount, bins = filterbank.weights.count / bands
        let signal = power.reduce(0.0) { $0 + Double($1) }
        guard signal > 0 else { return }
        var e = [Float](repeating: 0, count: frames * bins)
        for i in e.indices { e[i] = Float(-log(max(generator.nextUnit(), 0x1p-60))) }
        var noise = [Float](repeating: 0, count: frames * bands)
        e.withUnsafeBufferPointer { eb in
            filterbank.weights.withUnsafeBufferPointer { w in
                noise.withUnsafeMutableBufferPointer { nb in
                    GEMM.sgemm(m: frames, n: bands, k: bins, a: eb.baseAddress!, lda: bins, b: w.baseAddress!, ldb: bins,
                               transposeB: true, c: nb.baseAddress!, ldc: bands)
                }
            }
        }
        let total = noise.reduce(0.0) { $0 + Double($1) }
        guard total > 0 else { return }
        let k = Float(signal / total / pow(10, Double(snr) / 10))
        for i in power.indices { power[i] += k * noise[i] }
    }

    /// SpecAugment masks on a log-mel segment: one run of up to `timeMask` frames and one of up to `frequencyMask`
    /// bands (widths uniform in `0…max`, positions uniform), set to 0.
    public static func specAugment(_ x: inout [Float], frames: Int, timeMask: Int, frequencyMask: Int,
                                   generator: inout SeededGenerator) {
        let bands = x.count / max(frames, 1)
        if timeMask > 0 {
            let w = min(Int(generator.next() % UInt64(timeMask + 1)), frames)
            let t0 = Int(generator.next() % UInt64(frames - w + 1))
            for t in t0..<(t0 + w) { for b in 0..<bands { x[t * bands + b] = 0 } }
        }
        if frequencyMask > 0 {
            let w = min(Int(generator.next() % UInt64(frequencyMask + 1)), bands)
            let f0 = Int(generator.next() % UInt64(bands - w + 1))
            for t in 0..<frames { for b in f0..<(f0 + w) { x[t * bands + b] = 0 } }
        }
    }

    /// A `Beta(α, α)` draw (mixup's λ), from two gamma variates (Marsaglia & Tsang 2000; `α < 1` by
    /// `Gamma(α) = Gamma(α + 1)·U^(1/α)`).
    public static func beta(_ alpha: Double, generator: inout SeededGenerator) -> Double {
        let a = gamma(alpha, &generator), b = gamma(alpha, &generator)
        return a + b > 0 ? a / (a + b) : 0.5
    }

    static func gamma(_ shape: Double, _ g: inout SeededGenerator) -> Double {
        if shape < 1 {
            return gamma(shape + 1, &g) * pow(max(g.nextUnit(), 0x1p-60), 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            let x = g.nextGaussian(), v0 = 1 + c * x
            if v0 <= 0 { continue }
            let v = v0 * v0 * v0, u = g.nextUnit()
            if u < 1 - 0.0331 * x * x * x * x || log(max(u, 0x1p-60)) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }
}
