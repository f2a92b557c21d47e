import Foundation
import GenreKitCore

/// ``MelSpectrogram/power(_:)`` of a signal that arrives in parts: feed samples with ``append(_:into:)`` and call
/// ``finish(into:)`` once; the rows appended to the output, concatenated, equal `power(wholeSignal)` bit for bit.
///
/// Frames are computed in the spectrogram's own ``MelSpectrogram/gemmRows``-frame groups (same `sgemm` shape, same
/// group starts), a group as soon as every sample it reaches has arrived (`(lo + rows − 1)·hop + n_fft/2 ≤ n`); the
/// last group, zero-padded like the whole signal's, waits for ``finish(into:)``, which knows the length and so the
/// frame count `1 + ⌊n/hop⌋` and the centring's zeros at the end. Only the samples the next group needs are kept
/// (about `rows·hop + n_fft` plus one part), so memory does not grow with the signal.
public struct MelStream {
    public let mel: MelSpectrogram
    /// Samples received so far.
    public private(set) var sampleCount = 0
    /// Frames handed out so far.
    public private(set) var frameCount = 0
    private var samples: [Float] = []     // samples from `firstSample` on
    private var firstSample = 0

    public init(_ mel: MelSpectrogram) { self.mel = mel }

    /// Adds samples and appends the mel rows (`melCount` values each) of every group now complete to `output`;
    /// returns the number of rows appended.
    @discardableResult
    public mutating func append(_ part: UnsafeBufferPointer<Float>, into output: inout [Float]) -> Int {
        samples.append(contentsOf: part)
        sampleCount += part.count
        let rows = MelSpectrogram.gemmRows, hop = mel.stft.hopLength, half = mel.stft.nFFT / 2
        // Groups whose last frame's last sample has arrived.
        var ready = 0
        while (frameCount + (ready + 1) * rows - 1) * hop + half <= sampleCount { ready += 1 }
        guard ready > 0 else { return 0 }
        let framesNow = frameCount + ready * rows
        compute(groups: frameCount / rows..<framesNow / rows, frameCount: framesNow, into: &output)
        // Keep only what the next group reaches back to.
        let keepFrom = max(0, frameCount * hop - half)
        if keepFrom > firstSample {
            samples.removeFirst(keepFrom - firstSample)
            firstSample = keepFrom
        }
        return ready * rows
    }

    /// Samples held for the groups still to come (about one group plus the last part).
    public var heldSamples: Int { samples.count }

    /// Frames whose samples have all arrived (`f·hop + n_fft/2 ≤ n`), handed out or not.
    public var completeFrames: Int {
        let hop = mel.stft.hopLength, half = mel.stft.nFFT / 2
        return sampleCount < half ? 0 : (sampleCount - half) / hop + 1
    }

    /// The frames of the group in progress whose samples have all arrived (`f·hop + n_fft/2 ≤ n`), computed ahead of
    /// the group's completion without handing them out: appends them to `output` and returns their number. They are
    /// bit for bit the rows ``append(_:into:)`` or ``finish(into:)`` will give later, because the group is computed
    /// with the same `sgemm` shape and start (a row of a product does not depend on the other rows' values; the rows
    /// not yet complete are zeros). Lets a live stream cut a window as soon as its last frame is in.
    @discardableResult
    public func completeRows(into output: inout [Float]) -> Int {
        let rows = MelSpectrogram.gemmRows, ready = completeFrames
        guard ready > frameCount else { return 0 }
        precondition(ready - frameCount < rows, "MelStream.completeRows: a whole group is pending; call append first")
        let start = output.count, mels = mel.melCount, count = ready - frameCount
        output.append(contentsOf: repeatElement(0, count: count * mels))
        let mel = self.mel, first = firstSample, group = frameCount / rows
        var block = [Float](repeating: 0, count: rows * mels)
        samples.withUnsafeBufferPointer { sig in
            block.withUnsafeMutableBufferPointer { b in
                BLASThreads.withSingleThread {
                    mel.powerRows(sig, firstSample: first, group: group, frameCount: ready, MelSpectrogram.GemmScratch(mel),
                                  into: b.baseAddress!)
                }
            }
        }
        output.replaceSubrange(start..<(start + count * mels), with: block[0..<(count * mels)])
        return count
    }

    /// Appends the remaining rows (up to frame `1 + ⌊n/hop⌋`, the centring's zeros after the last sample) and
    /// returns their number. Call once, after the last ``append(_:into:)``.
    @discardableResult
    public mutating func finish(into output: inout [Float]) -> Int {
        let total = mel.stft.frameCount(sampleCount: sampleCount), rows = MelSpectrogram.gemmRows
        let before = frameCount
        compute(groups: frameCount / rows..<(total + rows - 1) / rows, frameCount: total, into: &output)
        samples = []
        return frameCount - before
    }

    /// Computes groups `groups` (frames up to `frameCount`), several at once on all cores with single-threaded BLAS
    /// as ``MelSpectrogram/power(_:)`` does, and appends them.
    private mutating func compute(groups: Range<Int>, frameCount total: Int, into output: inout [Float]) {
        guard !groups.isEmpty else { return }
        let rows = MelSpectrogram.gemmRows, mels = mel.melCount
        let lo = groups.lowerBound * rows, hi = min(total, groups.upperBound * rows)
        precondition(lo == frameCount, "MelStream: groups must follow the frames handed out")
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: (hi - lo) * mels))
        let mel = self.mel, first = firstSample
        samples.withUnsafeBufferPointer { sig in
            output.withUnsafeMutableBufferPointer { o in
                let optr = UncheckedSendable(o.baseAddress! + start)
                let sptr = UncheckedSendable(sig)
                let work: @Sendable (Int) -> Void = { k in
                    let g = groups.lowerBound + k
                    mel.powerRows(sptr.value, firstSample: first, group: g, frameCount: total, MelSpectrogram.GemmScratch(mel),
                                  into: optr.value + k * rows * mels)
                }
                BLASThreads.withSingleThread {
                    if groups.count == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: groups.count, execute: work) }
                }
            }
        }
        frameCount = hi
    }
}
