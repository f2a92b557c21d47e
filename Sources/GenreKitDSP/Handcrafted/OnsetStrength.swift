import Foundation

/// Spectral flux as librosa's onset strength, `librosa.onset.onset_strength(y, sr, n_fft, hop_length)` with its
/// defaults (lag 1, max_size 1, mean over bands, center=True, no detrending): on the dB mel spectrogram
/// `S = power_to_db(melspectrogram)` (128 Slaney bands by default, top_db 80),
/// `flux[t] = mean_m max(0, S[t−1, m] − S[t−2, m])` for `t ≥ 2` and `0` for `t < 2` (librosa shifts the
/// difference by `lag + n_fft / (2·hop)` frames to undo the STFT centring, then trims to the frame count).
public enum OnsetStrength {
    /// From a mel power spectrogram (`frames × melCount`, as ``MelSpectrogram/power(_:)``), with
    /// `nFFT / (2·hop)` the centring shift (1 for 512 / 256).
    public static func flux(melPower: [Float], melCount: Int, nFFT: Int = 512, hopLength: Int = 256) -> [Float] {
        let frames = melPower.count / melCount
        let db = PowerToDB.apply(melPower)
        let shift = 1 + nFFT / (2 * hopLength)
        var out = [Float](repeating: 0, count: frames)
        for t in shift..<max(shift, frames) {
            let cur = (t - shift + 1) * melCount, prev = (t - shift) * melCount
            var acc = 0.0
            for m in 0..<melCount { acc += Double(max(0, db[cur + m] - db[prev + m])) }
            out[t] = Float(acc / Double(melCount))
        }
        return out
    }
}
