import Foundation

/// Global tempo, `librosa.feature.tempo(onset_envelope=env, sr, hop_length)` with its defaults (start_bpm 120,
/// std_bpm 1, ac_size 8 s, max_tempo 320, aggregate = mean over frames, log-normal prior):
/// the autocorrelation tempogram of the onset envelope (``tempogram(onsetEnvelope:windowLength:)``), averaged
/// over frames, and the lag maximising `log1p(1e6·tg) + prior` (lags of `max_tempo` BPM or faster excluded).
/// GenreKit feeds it ``OnsetStrength`` (n_fft 512); `librosa.feature.tempo(y=…)` would compute its own
/// onset envelope with n_fft 2048.
public enum Tempo {
    /// `librosa.time_to_frames(acSize, sr, hop)`: `⌊⌊acSize·sr⌋ / hop⌋`.
    public static func windowLength(sampleRate: Int, hopLength: Int, acSize: Double = 8) -> Int {
        Int((acSize * Double(sampleRate)).rounded(.towardZero)) / hopLength
    }

    /// BPM of each lag, `librosa.tempo_frequencies`: `∞` for lag 0, `60·sr / (hop·lag)`.
    public static func frequencies(_ count: Int, sampleRate: Int, hopLength: Int) -> [Double] {
        (0..<count).map { $0 == 0 ? .infinity : 60.0 * Double(sampleRate) / (Double(hopLength) * Double($0)) }
    }

    /// `librosa.feature.tempogram(onset_envelope=env, win_length, center=True, window="hann", norm=inf)`,
    /// frame-major `frames × windowLength`: the envelope is padded by `windowLength/2` on both sides with linear
    /// ramps to 0 (`np.pad(mode="linear_ramp")`), each `windowLength` frame is multiplied by a periodic Hann
    /// window, autocorrelated (lags `0 ..< windowLength`) and divided by its largest absolute value.
    public static func tempogram(onsetEnvelope env: [Float], windowLength w: Int) -> [Double] {
        let n = env.count, half = w / 2
        guard n > 0, w > 0 else { return [] }
        // Padded envelope (float32, as the float32 envelope's np.pad).
        var padded = [Float](repeating: 0, count: n + 2 * half)
        // np.linspace(0, edge, half, endpoint=False) in float32 (the edge's dtype); reversed on the right.
        let leftStep = env[0] / Float(half), rightStep = env[n - 1] / Float(half)
        for i in 0..<half {
            padded[i] = Float(i) * leftStep
            padded[n + 2 * half - 1 - i] = Float(i) * rightStep
        }
        for i in 0..<n { padded[half + i] = env[i] }
        let window = Window.hann(w)
        var fftSize = 4; while fftSize < 2 * w - 1 { fftSize *= 2 }
        let fft = RealFFT(count: fftSize)
        var out = [Double](repeating: 0, count: n * w)
        let buf = UnsafeMutablePointer<Double>.allocate(capacity: 3 * fftSize + 4)
        defer { buf.deallocate() }
        let x = buf, re = buf + fftSize, im = re + fftSize / 2 + 1, work = im + fftSize / 2 + 1
        for t in 0..<n {
            for i in 0..<fftSize { x[i] = i < w ? Double(padded[t + i]) * window[i] : 0 }
            fft.forward(x, re: re, im: im, work: work)
            // Autocorrelation = inverse DFT of |X|², real and even: a forward DFT of it, divided by N.
            for k in 0...(fftSize / 2) { x[k] = re[k] * re[k] + im[k] * im[k] }
            for k in 1..<(fftSize / 2) { x[fftSize - k] = x[k] }
            fft.forward(x, re: re, im: im, work: work)
            var peak = 0.0
            for l in 0..<w { peak = max(peak, abs(re[l] / Double(fftSize))) }
            if peak < Double.leastNormalMagnitude { peak = 1 }
            for l in 0..<w { out[t * w + l] = re[l] / Double(fftSize) / peak }
        }
        return out
    }

    /// The tempogram averaged over frames (librosa's `aggregate=np.mean`), one value per lag.
    public static func meanTempogram(onsetEnvelope env: [Float], windowLength w: Int) -> [Double] {
        let tg = tempogram(onsetEnvelope: env, windowLength: w)
        let n = env.count
        guard n > 0 else { return [Double](repeating: 0, count: w) }
        return (0..<w).map { l in (0..<n).reduce(0.0) { $0 + tg[$1 * w + l] } / Double(n) }
    }

    /// Estimated tempo in BPM.
    public static func estimate(onsetEnvelope env: [Float], sampleRate: Int = 16000, hopLength: Int = 256,
                                startBPM: Double = 120, stdBPM: Double = 1, acSize: Double = 8,
                                maxTempo: Double? = 320) -> Double {
        let w = windowLength(sampleRate: sampleRate, hopLength: hopLength, acSize: acSize)
        let tg = meanTempogram(onsetEnvelope: env, windowLength: w)
        let bpms = frequencies(w, sampleRate: sampleRate, hopLength: hopLength)
        var best = 0, bestScore = -Double.infinity
        let firstAllowed = maxTempo.map { m in bpms.firstIndex { $0 < m } ?? 0 } ?? 0
        for l in 0..<w {
            let z = (log2(bpms[l]) - log2(startBPM)) / stdBPM
            let prior = l < firstAllowed ? -Double.infinity : -0.5 * z * z
            let score = log1p(1e6 * tg[l]) + prior
            if score > bestScore { best = l; bestScore = score }
        }
        return bpms[best]
    }
}
