import Foundation
import GenreKitDSP
import GenreKitModels

/// One analysis window's log-mel input, ready for the network.
public struct StreamWindow: Sendable {
    /// Window number (0, 1, …).
    public var index: Int
    /// First frame of the window in the whole stream.
    public var startFrame: Int
    /// `frameCount × 96` log-mel values.
    public var logMel: [Float]
    /// Samples of the stream (16 kHz) received when the window became complete.
    public var samplesReceived: Int

    public var startSeconds: Double { MusicnnInput.seconds(frames: startFrame) }
}

/// Cuts an incrementally arriving 16 kHz signal into the log-mel windows ``Tagger`` would cut from the whole signal,
/// emitting each window as soon as the samples it needs are in, and keeping only the samples and frames later windows
/// need (memory bounded by about one window plus the last block, whatever the stream's length).
///
/// Exactness: the frames come from ``MelStream`` (the whole signal's `sgemm` groups, so bit for bit the whole
/// signal's mel power on any BLAS kernel) and the windows from ``PatchStream``. A window whose last frame lies in a
/// group still in progress is cut from that group's complete rows computed ahead (``MelStream/completeRows(into:)``,
/// the same numbers the group gives later), so it is emitted as soon as its last frame's samples are in, not when
/// the group completes; windows that reach the signal's end padding wait for ``finish()``.
public struct StreamWindowSource {
    public let patches: Patches
    private var mel: MelStream
    private var windows: PatchStream
    /// Windows handed out ahead of ``windows`` (cut from rows computed ahead); skipped when ``windows`` reaches them.
    private var emitted = 0
    private var taken = 0

    public init(patches: Patches) {
        self.patches = patches
        mel = MelStream(MusicnnFrontEnd().mel)
        windows = PatchStream(patches: patches, bands: MusicnnInput.melBands)
    }

    /// Samples of the stream so far.
    public var samplesReceived: Int { mel.sampleCount }
    /// Samples held (for the bounded-memory check).
    public var bufferedSamples: Int { mel.heldSamples }

    /// Adds samples; returns the windows they complete.
    public mutating func append(_ samples: [Float]) -> [StreamWindow] {
        var rows: [Float] = []
        samples.withUnsafeBufferPointer { _ = mel.append($0, into: &rows) }
        add(rows)
        var out = drain(windows.readyCount)
        // Windows complete in samples whose last frame is in the group in progress.
        var ahead = windows
        var pending: [Float] = []
        let lastFrame = emitted * patches.hop + patches.frameCount   // frames the next window needs
        if mel.completeFrames >= lastFrame, mel.completeRows(into: &pending) > 0 {
            MusicnnCompression.apply(inPlace: &pending)
            ahead.append(pending)
            let skip = emitted - taken, ready = ahead.readyCount
            if ready > skip {
                let values = ahead.take(ready)
                out += cut(values, first: emitted, count: ready - skip, skipping: skip)
                emitted += ready - skip
            }
        }
        return out
    }

    /// The stream has ended: the windows the whole signal has left (a stream shorter than one window gives the one
    /// padded window ``Patches`` makes of a short clip).
    public mutating func finish() -> [StreamWindow] {
        var rows: [Float] = []
        _ = mel.finish(into: &rows)
        add(rows)
        var out = drain(windows.readyCount)
        let rest = windows.takeRest()
        let skip = min(rest.count, emitted - taken)
        taken += rest.count
        out += cut(rest.values, first: emitted, count: rest.count - skip, skipping: skip)
        emitted = max(emitted, taken)
        return out
    }

    private mutating func add(_ rows: [Float]) {
        guard !rows.isEmpty else { return }
        var logMel = rows
        MusicnnCompression.apply(inPlace: &logMel)
        windows.append(logMel)
    }

    /// Takes `count` complete windows from ``windows``, returning those not already handed out ahead.
    private mutating func drain(_ count: Int) -> [StreamWindow] {
        guard count > 0 else { return [] }
        let values = windows.take(count)
        let skip = min(count, emitted - taken)
        taken += count
        let out = cut(values, first: emitted, count: count - skip, skipping: skip)
        emitted = max(emitted, taken)
        return out
    }

    /// Windows `first …` from `values` (`(skip + count)` windows of `frameCount × bands`), skipping the first `skip`.
    private func cut(_ values: [Float], first: Int, count: Int, skipping skip: Int) -> [StreamWindow] {
        let len = patches.frameCount * MusicnnInput.melBands
        return (0..<max(0, count)).map { k in
            let w = skip + k
            return StreamWindow(index: first + k, startFrame: (first + k) * patches.hop,
                                logMel: Array(values[(w * len)..<((w + 1) * len)]), samplesReceived: mel.sampleCount)
        }
    }
}
