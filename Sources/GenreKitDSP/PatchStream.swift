/// ``Patches`` of a spectrogram that arrives in parts: feed frames with ``append(_:)``, take the windows that are
/// complete with ``take(_:)``, and the rest with ``takeRest()`` once the last frame arrived. The windows taken,
/// in order, are exactly `patches.extract(wholeSpectrogram, bands:)`'s (a clip shorter than one window included),
/// and only the frames from the next window's start on are kept.
public struct PatchStream {
    public let patches: Patches
    public let bands: Int
    /// Frames received so far.
    public private(set) var frameCount = 0
    /// Index of the next window to take.
    public private(set) var nextWindow = 0
    private var frames: [Float] = []      // frames from `firstFrame` on, row-major
    private var firstFrame = 0

    public init(patches: Patches, bands: Int) {
        self.patches = patches
        self.bands = bands
    }

    /// Adds whole frames (`bands` values each, row-major).
    public mutating func append(_ rows: [Float]) {
        precondition(rows.count % bands == 0, "PatchStream.append: \(rows.count) values are not whole frames of \(bands)")
        frames.append(contentsOf: rows)
        frameCount += rows.count / bands
    }

    /// Windows complete and not yet taken: those with `start + frameCount ≤` frames received.
    public var readyCount: Int {
        frameCount < patches.frameCount ? 0 : max(0, (frameCount - patches.frameCount) / patches.hop + 1 - nextWindow)
    }

    /// Takes the next `count` (≤ ``readyCount``) windows: `count × frameCount × bands` values.
    public mutating func take(_ count: Int) -> [Float] {
        precondition(count <= readyCount, "PatchStream.take: only \(readyCount) windows are complete")
        let len = patches.frameCount * bands
        var out = [Float](repeating: 0, count: count * len)
        for i in 0..<count {
            let s = ((nextWindow + i) * patches.hop - firstFrame) * bands
            out.replaceSubrange(i * len..<(i + 1) * len, with: frames[s..<s + len])
        }
        nextWindow += count
        let keepFrom = min(frameCount, nextWindow * patches.hop)
        if keepFrom > firstFrame {
            frames.removeFirst((keepFrom - firstFrame) * bands)
            firstFrame = keepFrom
        }
        return out
    }

    /// After the last frame: the windows not yet taken, as `(values, count)`; a spectrogram shorter than one window
    /// gives the one window of ``Patches/ShortClipPolicy`` (or none).
    public mutating func takeRest() -> (values: [Float], count: Int) {
        if frameCount < patches.frameCount {
            guard nextWindow == 0 else { return ([], 0) }
            let short = patches.extract(frames, bands: bands)
            nextWindow = short.count
            return short
        }
        let n = readyCount
        return (take(n), n)
    }
}
