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
/// emitting each window as soon as the samples it needs are in, and keeping only the samples later windows need
/// (memory bounded by one window plus the last block, whatever the stream's length).
///
/// Exactness: the log-mel front end is frame-local (frame `f` reads samples `[256f − 256, 256f + 256)`, reflect-padded
/// only at the signal's two ends), so window `[s, s + T)` is computed from the samples `[256(s − 1), 256(s + T))`
/// and the slice's frames `1…T` are the whole signal's frames `s…s + T − 1` (frames `0…T − 1` of `[0, 256T)` for
/// the first window). Windows that reach the last frames are cut when the stream ends, from a slice ending at the
/// stream's end, so their right-edge padding is the whole signal's too.
public struct StreamWindowSource {
    public let patches: Patches
    let frontEnd = MusicnnFrontEnd()
    /// Samples from ``bufferStart`` on.
    private var buffer: [Float] = []
    private var bufferStart = 0
    private var received = 0
    private var next = 0
    static let hop = MusicnnInput.hopLength

    public init(patches: Patches) { self.patches = patches }

    /// Samples of the stream so far.
    public var samplesReceived: Int { received }
    /// Samples held (for the bounded-memory check).
    public var bufferedSamples: Int { buffer.count }

    private func startFrame(_ k: Int) -> Int { k * patches.hop }

    /// Adds samples; returns the windows they complete.
    public mutating func append(_ samples: [Float]) -> [StreamWindow] {
        buffer += samples
        received += samples.count
        var out: [StreamWindow] = []
        while true {
            let s = startFrame(next), end = (s + patches.frameCount) * Self.hop
            guard end <= received else { break }
            out.append(cut(index: next, start: s, end: end, framesFromEnd: nil))
            next += 1
            trim()
        }
        return out
    }

    /// The stream has ended: the windows the whole signal has left (a stream shorter than one window gives the one
    /// padded window ``Patches`` makes of a short clip).
    public mutating func finish() -> [StreamWindow] {
        let frames = 1 + received / Self.hop
        if next == 0 && frames < patches.frameCount {
            guard received > 0 else { return [] }
            let lm = frontEnd.logMel(samples: buffer)
            let (values, count) = patches.extract(lm, bands: MusicnnInput.melBands)
            next = count
            return count == 0 ? [] : [StreamWindow(index: 0, startFrame: 0, logMel: values, samplesReceived: received)]
        }
        var out: [StreamWindow] = []
        let total = patches.starts(frames: frames).count
        while next < total {
            out.append(cut(index: next, start: startFrame(next), end: received, framesFromEnd: frames))
            next += 1
        }
        trim()
        return out
    }

    /// The window starting at frame `s` from the samples up to `end`.
    private func cut(index: Int, start s: Int, end: Int, framesFromEnd: Int?) -> StreamWindow {
        let from = max(0, (s - 1) * Self.hop)
        let slice = Array(buffer[(from - bufferStart)..<(end - bufferStart)])
        let lm = frontEnd.logMel(samples: slice)
        let bands = MusicnnInput.melBands
        let first = s == 0 ? 0 : 1
        let values = Array(lm[(first * bands)..<((first + patches.frameCount) * bands)])
        return StreamWindow(index: index, startFrame: s, logMel: values, samplesReceived: received)
    }

    /// Drops the samples no later window reads.
    private mutating func trim() {
        let keepFrom = max(0, (startFrame(next) - 1) * Self.hop)
        let drop = min(buffer.count, keepFrom - bufferStart)
        if drop > 0 {
            buffer.removeFirst(drop)
            bufferStart += drop
        }
    }
}
