import Foundation

/// Handcrafted audio features with librosa 0.11 definitions, one row per STFT frame (n_fft 512, hop 256,
/// centred; `1 + ⌊count/hop⌋` frames), then summarised over time into one vector with named columns.
///
/// Frame columns (``frameColumnNames``, 92 in all):
/// - `mfcc_0…19`: `librosa.feature.mfcc(n_mfcc=20)` on 128 Slaney mel bands (librosa's default `n_mels`);
/// - `mfcc_d1_*`, `mfcc_d2_*`: ``Delta`` of the MFCCs, width 9, order 1 and 2;
/// - `centroid`, `bandwidth` (p 2), `rolloff` (0.85), `flatness`: ``SpectralFeatures`` on the magnitude;
/// - `flux`: ``OnsetStrength`` (librosa's onset strength on the same 128-band mel spectrogram);
/// - `zcr`, `rms`: ``TimeDomainFeatures`` with frame 512, hop 256 (zcr's librosa default is 2048 / 512);
/// - `contrast_0…6`: ``SpectralFeatures/contrast(_:bandCount:fmin:quantile:)``, 6 bands from 200 Hz;
/// - `chroma_C…chroma_B`: ``ChromaFilterbank`` (`chroma_stft`, tuning fixed at 0);
/// - `tonnetz_0…5`: `librosa.feature.tonnetz(chroma=chroma_stft)` (librosa's default uses CQT chroma).
///
/// The vector (``columnNames``) holds, for each frame column, ``FrameSummary/statisticNames``:
/// `"<column>.<stat>"`, e.g. `"centroid.mean"`, `"mfcc_3.p90"`; then `"tempo"`, ``Tempo/estimate(onsetEnvelope:sampleRate:hopLength:startBPM:stdBPM:acSize:maxTempo:)``
/// on the `flux` column (BPM; with under 8 s of audio the tempogram is mostly padding and the prior dominates).
public struct HandcraftedFeatures: Sendable {
    public let sampleRate: Int
    public let nFFT: Int
    public let hopLength: Int
    public let mfcc: MFCC
    public let chroma: ChromaFilterbank

    public static let chromaNames = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
    public static let frameColumnNames: [String] = {
        var n = (0..<20).map { "mfcc_\($0)" }
        n += (0..<20).map { "mfcc_d1_\($0)" }
        n += (0..<20).map { "mfcc_d2_\($0)" }
        n += ["centroid", "bandwidth", "rolloff", "flux", "flatness", "zcr", "rms"]
        n += (0..<7).map { "contrast_\($0)" }
        n += chromaNames.map { "chroma_\($0)" }
        n += (0..<6).map { "tonnetz_\($0)" }
        return n
    }()
    public static let columnNames: [String] =
        frameColumnNames.flatMap { c in FrameSummary.statisticNames.map { "\(c).\($0)" } } + ["tempo"]
    /// Index of the `flux` column in the frame matrix.
    public static let fluxColumn = frameColumnNames.firstIndex(of: "flux")!

    /// Per-frame features: `count` frames × ``frameColumnNames``.count, frame-major.
    public struct Frames: Sendable {
        public let count: Int
        public let values: [Float]
        public static var columnCount: Int { HandcraftedFeatures.frameColumnNames.count }
        public init(count: Int, values: [Float]) {
            precondition(values.count == count * Self.columnCount, "values must be count × columnCount")
            self.count = count; self.values = values
        }
        /// Column `index` (of ``HandcraftedFeatures/frameColumnNames``), one value per frame.
        public func column(_ index: Int) -> [Float] { (0..<count).map { values[$0 * Self.columnCount + index] } }
    }

    public init(sampleRate: Int = 16000, nFFT: Int = 512, hopLength: Int = 256) {
        precondition(Double(sampleRate) / 2 > 200 * 32, "spectral contrast's 6 bands from 200 Hz need sr > 12.8 kHz")
        self.sampleRate = sampleRate; self.nFFT = nFFT; self.hopLength = hopLength
        mfcc = MFCC(mel: MelSpectrogram(sampleRate: sampleRate, nFFT: nFFT, hopLength: hopLength, melCount: 128),
                    coefficientCount: 20)
        chroma = ChromaFilterbank(sampleRate: sampleRate, nFFT: nFFT)
    }

    /// The per-frame feature matrix of `signal` (mono, at ``sampleRate``).
    public func frames(_ signal: [Float]) -> Frames {
        let spec = LinearSpectrogram(signal, sampleRate: sampleRate, nFFT: nFFT, hopLength: hopLength)
        let melPower = mfcc.mel.power(signal)
        let mf = mfcc.coefficients(melPower: melPower)
        let d1 = Delta.compute(mf, columns: 20, width: 9, order: 1)
        let d2 = Delta.compute(mf, columns: 20, width: 9, order: 2)
        let centroid = SpectralFeatures.centroid(spec)
        let bandwidth = SpectralFeatures.bandwidth(spec, centroid: centroid)
        let rolloff = SpectralFeatures.rolloff(spec)
        let flux = OnsetStrength.flux(melPower: melPower, melCount: mfcc.mel.melCount, nFFT: nFFT, hopLength: hopLength)
        let flatness = SpectralFeatures.flatness(spec)
        let zcr = TimeDomainFeatures.zeroCrossingRate(signal, frameLength: nFFT, hopLength: hopLength)
        let rms = TimeDomainFeatures.rms(signal, frameLength: nFFT, hopLength: hopLength)
        let contrast = SpectralFeatures.contrast(spec)
        let chromagram = chroma.chroma(spec)
        let tonnetz = ChromaFilterbank.tonnetz(chroma: chromagram)
        let n = spec.frameCount, cols = Frames.columnCount
        var v = [Float](repeating: 0, count: n * cols)
        for t in 0..<n {
            var row: [Float] = []
            row.reserveCapacity(cols)
            row += mf[(t * 20)..<((t + 1) * 20)]
            row += d1[(t * 20)..<((t + 1) * 20)]
            row += d2[(t * 20)..<((t + 1) * 20)]
            row += [Float(centroid[t]), Float(bandwidth[t]), Float(rolloff[t]), flux[t], Float(flatness[t]),
                    Float(zcr[t]), rms[t]]
            row += contrast[(t * 7)..<((t + 1) * 7)]
            row += chromagram[(t * 12)..<((t + 1) * 12)]
            row += tonnetz[(t * 6)..<((t + 1) * 6)]
            precondition(row.count == cols)
            for j in 0..<cols { v[t * cols + j] = row[j] }
        }
        return Frames(count: n, values: v)
    }

    /// Time summaries of a frame matrix: for each frame column, ``FrameSummary/statisticNames`` (float64).
    public static func summarize(_ frames: Frames) -> [Double] {
        (0..<Frames.columnCount).flatMap { j in FrameSummary.summarize(frames.column(j).map(Double.init)) }
    }

    /// One feature vector for `signal`, laid out as ``columnNames``.
    public func vector(_ signal: [Float]) -> [Double] { Self.vector(frames: frames(signal), sampleRate: sampleRate, hopLength: hopLength) }

    /// The vector from a frame matrix: its summaries, then the tempo of its `flux` column.
    public static func vector(frames: Frames, sampleRate: Int = 16000, hopLength: Int = 256) -> [Double] {
        summarize(frames) + [Tempo.estimate(onsetEnvelope: frames.column(fluxColumn), sampleRate: sampleRate, hopLength: hopLength)]
    }
}
