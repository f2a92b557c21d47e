import CKissFFT
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Short-time Fourier transform power spectrogram, as `np.abs(librosa.stft(y, n_fft, hop_length))**2` with
/// librosa 0.11's defaults: `center=True` with zero padding of `n_fft/2` on both sides (`pad_mode="constant"`),
/// periodic Hann window, frames `t = 0 … 1 + ⌊len/hop⌋ − 1`.
///
/// `P[t, k] = |X_t[k]|²` with `X_t[k] = Σ_n w[n]·y[t·hop + n − n_fft/2]·e^{−2πikn/n_fft}`.
/// The magnitude is taken the way NumPy does on complex64 (``numpyComplexMagnitude(_:_:)``, then squared in float32).
public struct STFT: Sendable {
    /// Arithmetic of the transform.
    public enum Precision: Sendable {
        /// Frames windowed and transformed in float64, rounded to complex64: what librosa computes
        /// (its float64 window promotes the frame). Reproduces librosa's power bit for bit in practice.
        case double
        /// KissFFT in float32: about 4e-7 relative error, which flips about 1 in 4,000 float16 roundings in
        /// musicnn's log compression (up to 4e-4 on the log-mel). Faster; not reference-exact.
        case single
    }

    public let nFFT: Int
    public let hopLength: Int
    public let precision: Precision
    /// Number of frequency bins, `n_fft/2 + 1`.
    public var binCount: Int { nFFT / 2 + 1 }
    private let window: [Double]

    public init(nFFT: Int = 512, hopLength: Int = 256, precision: Precision = .double) {
        precondition(nFFT >= 4 && nFFT & (nFFT - 1) == 0, "n_fft must be a power of two ≥ 4")
        precondition(hopLength > 0, "hop_length must be positive")
        self.nFFT = nFFT; self.hopLength = hopLength; self.precision = precision
        window = Window.hann(nFFT)
    }

    /// Number of frames librosa produces for `sampleCount` samples: `1 + ⌊sampleCount / hop⌋`.
    public func frameCount(sampleCount: Int) -> Int { 1 + sampleCount / hopLength }

    /// Power spectrogram of frames `frames` of `signal`, written row by row (frame-major, `binCount` per row).
    ///
    /// `signal` may be a part of a longer signal that starts at sample `firstSample` and ends where the whole signal
    /// ends (how ``MelStream`` computes frames as the samples arrive); it must then hold every sample the frames
    /// reach from `firstSample` on (`firstSample ≤ max(0, frames.lowerBound·hop − n_fft/2)`). Samples before 0 and
    /// after the end are the centring's zeros either way, so the values do not depend on the part.
    public func power(_ signal: UnsafeBufferPointer<Float>, firstSample: Int = 0, frames: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        precondition(firstSample == 0 || frames.isEmpty || frames.lowerBound * hopLength - nFFT / 2 >= firstSample,
                     "STFT.power: the signal part starts after the first sample the frames need")
        switch precision {
        case .double: powerDouble(signal, firstSample, frames: frames, into: out)
        case .single: powerSingle(signal, firstSample, frames: frames, into: out)
        }
    }

    /// Writes the windowed, zero-padded frame `t` (centered) into `dst` using `value(sample, weight)`.
    @inline(__always)
    private func frame(_ t: Int, _ signal: UnsafeBufferPointer<Float>, _ firstSample: Int, _ w: UnsafeBufferPointer<Double>,
                       _ dst: UnsafeMutablePointer<Double>) {
        let start = t * hopLength - nFFT / 2 - firstSample
        let n = signal.count
        if start >= 0 && start + nFFT <= n {
            for i in 0..<nFFT { dst[i] = w[i] * Double(signal[start + i]) }
        } else {
            for i in 0..<nFFT {
                let j = start + i
                dst[i] = (j >= 0 && j < n) ? w[i] * Double(signal[j]) : 0
            }
        }
    }

    private func powerDouble(_ signal: UnsafeBufferPointer<Float>, _ firstSample: Int, frames: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let fft = RealFFT(count: nFFT)
        let bins = binCount, lanes = RealFFT.laneCount
        let buf = UnsafeMutablePointer<Double>.allocate(capacity: 4 * nFFT + 4)
        defer { buf.deallocate() }
        let x = buf, re = buf + nFFT, im = re + bins, work = im + bins
        // Eight frames at a time through the lane-wise transform (the same arithmetic per frame), the rest one by one.
        let vectors = UnsafeMutablePointer<FFTLanes>.allocate(capacity: 2 * nFFT + 2 * bins)
        defer { vectors.deallocate() }
        let x8 = vectors, re8 = x8 + nFFT, im8 = re8 + bins, work8 = im8 + bins
        let x8s = UnsafeMutableRawPointer(x8).assumingMemoryBound(to: Double.self)
        let re8s = UnsafeRawPointer(re8).assumingMemoryBound(to: Double.self)
        let im8s = UnsafeRawPointer(im8).assumingMemoryBound(to: Double.self)
        window.withUnsafeBufferPointer { w in
            var t = frames.lowerBound
            while frames.upperBound - t >= lanes {
                for l in 0..<lanes {
                    frame(t + l, signal, firstSample, w, x)
                    for i in 0..<nFFT { x8s[i * lanes + l] = x[i] }
                }
                fft.forward(lanes: x8, re: re8, im: im8, work: work8)
                for l in 0..<lanes {
                    for k in 0..<bins { re[k] = re8s[k * lanes + l]; im[k] = im8s[k * lanes + l] }
                    numpyComplexPower(re: re, im: im, count: bins, into: out + (t + l - frames.lowerBound) * bins)
                }
                t += lanes
            }
            for t in t..<frames.upperBound {
                frame(t, signal, firstSample, w, x)
                fft.forward(x, re: re, im: im, work: work)
                // complex64 rounding, then |·|² as NumPy (numpyComplexMagnitude, squared), all bins at once.
                numpyComplexPower(re: re, im: im, count: bins, into: out + (t - frames.lowerBound) * bins)
            }
        }
    }

    private func powerSingle(_ signal: UnsafeBufferPointer<Float>, _ firstSample: Int, frames: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        guard let cfg = kiss_fftr_alloc(Int32(nFFT), 0, nil, nil) else { fatalError("kiss_fftr_alloc failed") }
        defer { free(UnsafeMutableRawPointer(cfg)) }   // kiss_fftr_free is a macro for free()
        let bins = binCount
        let xd = UnsafeMutablePointer<Double>.allocate(capacity: nFFT); defer { xd.deallocate() }
        let xf = UnsafeMutablePointer<Float>.allocate(capacity: nFFT); defer { xf.deallocate() }
        let spec = UnsafeMutablePointer<kiss_fft_cpx>.allocate(capacity: bins); defer { spec.deallocate() }
        window.withUnsafeBufferPointer { w in
            for t in frames {
                frame(t, signal, firstSample, w, xd)
                for i in 0..<nFFT { xf[i] = Float(xd[i]) }
                kiss_fftr(cfg, xf, spec)
                let row = out + (t - frames.lowerBound) * bins
                for k in 0..<bins {
                    let m = numpyComplexMagnitude(spec[k].r, spec[k].i)
                    row[k] = m * m
                }
            }
        }
    }
}
