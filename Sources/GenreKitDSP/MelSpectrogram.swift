import CBLAS
import Foundation
import GenreKitCore

/// Mel power spectrogram, `librosa.feature.melspectrogram(y, sr, n_fft, hop_length, n_mels).T`:
/// `M[t, m] = Σ_k W[m, k]·|X_t[k]|²`, frames × mels, float32.
///
/// Frames are processed in blocks (power spectrum of a block, then one `sgemm` with the filterbank), in parallel
/// across blocks, so memory beyond the output stays small even for hour-long signals.
public struct MelSpectrogram: Sendable {
    public let stft: STFT
    public let filterbank: MelFilterbank
    /// Frames per block (at least this many: the remainder joins the last block). OpenBLAS switches to a
    /// small-matrix kernel, which rounds differently, for very few rows; keeping blocks large means a long signal
    /// is computed exactly as one `sgemm` over all frames (librosa's way).
    public var blockFrames: Int = 1024

    /// musicnn's front end: 16 kHz, n_fft 512, hop 256, 96 Slaney mel bands from 0 Hz to Nyquist.
    public static let musicnn = MusicnnInput.melSpectrogram()

    public init(sampleRate: Int, nFFT: Int, hopLength: Int, melCount: Int, precision: STFT.Precision = .double) {
        stft = STFT(nFFT: nFFT, hopLength: hopLength, precision: precision)
        filterbank = MelFilterbank(sampleRate: sampleRate, nFFT: nFFT, melCount: melCount)
    }

    public var melCount: Int { filterbank.melCount }
    public var sampleRate: Int { filterbank.sampleRate }

    /// Mel power of `signal`: `frameCount × melCount`, row-major.
    public func power(_ signal: [Float]) -> [Float] {
        let frames = stft.frameCount(sampleCount: signal.count)
        let mels = melCount, bins = stft.binCount
        var out = [Float](repeating: 0, count: frames * mels)
        let bf = max(64, blockFrames)
        let blocks = max(1, frames / bf)
        signal.withUnsafeBufferPointer { sig in
            filterbank.weights.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    let optr = UncheckedSendable(o.baseAddress!)
                    let wptr = UncheckedSendable(w.baseAddress!)
                    let sptr = UncheckedSendable(sig)
                    let stft = self.stft
                    let work: @Sendable (Int) -> Void = { b in
                        let lo = b * bf, hi = b == blocks - 1 ? frames : lo + bf
                        let p = UnsafeMutablePointer<Float>.allocate(capacity: (hi - lo) * bins)
                        defer { p.deallocate() }
                        stft.power(sptr.value, frames: lo..<hi, into: p)
                        // M[t, m] = Σ_k P[t, k] · W[m, k]
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(hi - lo), Int32(mels), Int32(bins),
                                    1, p, Int32(bins), wptr.value, Int32(bins), 0, optr.value + lo * mels, Int32(mels))
                    }
                    if blocks <= 1 { work(0) } else {
                        BLASThreads.withSingleThread { DispatchQueue.concurrentPerform(iterations: blocks, execute: work) }
                    }
                }
            }
        }
        return out
    }
}
