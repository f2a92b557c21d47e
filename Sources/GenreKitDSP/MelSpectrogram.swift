import CBLAS
import Foundation
import GenreKitCore

/// Mel power spectrogram, `librosa.feature.melspectrogram(y, sr, n_fft, hop_length, n_mels).T`:
/// `M[t, m] = Σ_k W[m, k]·|X_t[k]|²`, frames × mels, float32.
///
/// Frames are processed in blocks (power spectrum of a block, then `sgemm` with the filterbank), in parallel
/// across blocks, so memory beyond the output stays small even for hour-long signals.
///
/// **Same values whatever the length or the blocking.** A BLAS kernel may round a row differently depending on
/// the matrix shape it is given (edge tiles, small-matrix kernels, thread splits). So every `sgemm` here has the
/// same shape, ``gemmRows`` × `melCount` × `binCount` (the last block is zero-padded), runs on one BLAS thread,
/// and blocks start at multiples of ``gemmRows`` frames: frame `t`'s mel power is the same number whether the
/// signal is computed whole, in other ``blockFrames``, or on any thread count — on every machine, by
/// construction. Across machines (BLAS core types) values may differ in the last bits of a float32.
public struct MelSpectrogram: Sendable {
    public let stft: STFT
    public let filterbank: MelFilterbank
    /// Rows of every `sgemm` call: a multiple of every OpenBLAS kernel's row unrolling (≤ 32), so no row is an
    /// edge-tile row, and large enough that the call is efficient.
    public static let gemmRows = 128
    /// Frames per parallel work item, rounded up to a multiple of ``gemmRows``. Does not change any value.
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
        let mels = melCount, rows = Self.gemmRows
        var out = [Float](repeating: 0, count: frames * mels)
        let gemms = (frames + rows - 1) / rows
        let gemmsPerItem = max(1, (blockFrames + rows - 1) / rows)
        let items = (gemms + gemmsPerItem - 1) / gemmsPerItem
        signal.withUnsafeBufferPointer { sig in
            out.withUnsafeMutableBufferPointer { o in
                let optr = UncheckedSendable(o.baseAddress!)
                let sptr = UncheckedSendable(sig)
                let work: @Sendable (Int) -> Void = { item in
                    let scratch = GemmScratch(self)
                    for g in (item * gemmsPerItem)..<min(gemms, (item + 1) * gemmsPerItem) {
                        powerRows(sptr.value, firstSample: 0, group: g, frameCount: frames, scratch, into: optr.value + g * rows * mels)
                    }
                }
                BLASThreads.withSingleThread { DispatchQueue.concurrentPerform(iterations: items, execute: work) }
            }
        }
        return out
    }

    /// Work buffers of one ``gemmRows``-frame group: its power spectrum and its mel power.
    final class GemmScratch {
        let power: UnsafeMutablePointer<Float>
        let mel: UnsafeMutablePointer<Float>
        init(_ m: MelSpectrogram) {
            power = .allocate(capacity: MelSpectrogram.gemmRows * m.stft.binCount)
            mel = .allocate(capacity: MelSpectrogram.gemmRows * m.melCount)
        }
        deinit { power.deallocate(); mel.deallocate() }
    }

    /// Mel power of frames `[g·rows, min(frameCount, (g+1)·rows))` (group `g`) into `out`: the STFT power of the
    /// group (zero rows past `frameCount`), then one `rows × mels × bins` `sgemm`. The only place mel power is
    /// computed, for the whole signal and for ``MelStream``, so both give the same numbers.
    func powerRows(_ signal: UnsafeBufferPointer<Float>, firstSample: Int, group g: Int, frameCount: Int,
                   _ scratch: GemmScratch, into out: UnsafeMutablePointer<Float>) {
        let rows = Self.gemmRows, mels = melCount, bins = stft.binCount
        let lo = g * rows, hi = min(frameCount, lo + rows)
        let p = scratch.power, m = scratch.mel
        stft.power(signal, firstSample: firstSample, frames: lo..<hi, into: p)
        if hi - lo < rows { (p + (hi - lo) * bins).initialize(repeating: 0, count: (rows - hi + lo) * bins) }
        // M[t, m] = Σ_k P[t, k] · W[m, k], always rows × mels × bins
        filterbank.weights.withUnsafeBufferPointer { w in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(mels), Int32(bins),
                        1, p, Int32(bins), w.baseAddress, Int32(bins), 0, m, Int32(mels))
        }
        out.update(from: m, count: (hi - lo) * mels)
    }
}
