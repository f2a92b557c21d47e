/// Fixed-length windows ("patches") of a spectrogram, as musicnn's `batch_data(audio_file, n_frames, overlap)`:
/// patch `i` covers frames `[i·hop, i·hop + n_frames)` for every start `0, hop, 2·hop, … ≤ T − n_frames`;
/// frames after the last whole patch are dropped.
///
/// musicnn calls the hop "overlap": `extractor(input_overlap=s)` steps windows by `time_to_frames(s)` frames, and by
/// `n_frames` when no overlap is given. GenreKit keeps that meaning for parity and names it `hop` here.
///
/// A clip shorter than one patch: musicnn's `batch_data` fails on it. GenreKit applies ``ShortClipPolicy``, by
/// default ``ShortClipPolicy/repeatPad`` (the spectrogram is tiled until it fills one patch), which is how the
/// musicnn models were trained on short clips (`"pad_short": "repeat-pad"` in their configuration).
public struct Patches: Sendable {
    /// What to do with a spectrogram shorter than one patch.
    public enum ShortClipPolicy: String, Sendable, Codable {
        /// Tile the frames until one patch is full (musicnn's training-time `repeat-pad`).
        case repeatPad
        /// Pad with zeros (silence in the log-mel domain) to one patch.
        case zeroPad
        /// Produce no patch.
        case drop
    }

    /// Patch length in frames (``MusicnnInput/windowFrames`` = 3 s for musicnn).
    public let frameCount: Int
    /// Step between patch starts in frames.
    public let hop: Int
    public let shortClipPolicy: ShortClipPolicy

    public init(frameCount: Int = MusicnnInput.windowFrames, hop: Int? = nil, shortClipPolicy: ShortClipPolicy = .repeatPad) {
        precondition(frameCount > 0, "patch length must be positive")
        self.frameCount = frameCount
        self.hop = max(1, hop ?? frameCount)
        self.shortClipPolicy = shortClipPolicy
    }

    /// musicnn's window length and hop from seconds, ``MusicnnInput/frames(seconds:)`` (`librosa.time_to_frames`),
    /// plus one for the length. `overlap` `nil` or 0 means no overlap.
    /// Throws when the hop would be below one frame.
    public static func musicnn(length seconds: Double = MusicnnInput.windowSeconds, overlap: Double? = nil,
                               shortClipPolicy: ShortClipPolicy = .repeatPad) throws -> Patches {
        func frames(_ t: Double) -> Int { MusicnnInput.frames(seconds: t) }
        let n = frames(seconds) + 1
        guard n >= 1 else { throw PatchError.tooShort(seconds: seconds) }
        var hop = n
        if let overlap, overlap > 0 {
            hop = frames(overlap)
            guard hop >= 1 else { throw PatchError.hopBelowOneFrame(seconds: overlap) }
        }
        return Patches(frameCount: n, hop: hop, shortClipPolicy: shortClipPolicy)
    }

    /// Number of patches for a spectrogram of `frames` frames.
    public func count(frames: Int) -> Int {
        if frames < frameCount { return shortClipPolicy == .drop ? 0 : 1 }
        return (frames - frameCount) / hop + 1
    }

    /// Start frame of each patch.
    public func starts(frames: Int) -> [Int] {
        frames < frameCount ? (count(frames: frames) == 1 ? [0] : []) : Array(stride(from: 0, through: frames - frameCount, by: hop))
    }

    /// Copies the patches of a `frames × bands` spectrogram into one `count × frameCount × bands` array; `windows`
    /// selects a range of patch indices (all by default).
    public func extract(_ spectrogram: [Float], bands: Int, windows: Range<Int>? = nil) -> (values: [Float], count: Int) {
        let frames = spectrogram.count / bands
        let all = count(frames: frames)
        let range = (windows ?? 0..<all).clamped(to: 0..<all)
        var out = [Float](repeating: 0, count: range.count * frameCount * bands)
        guard !range.isEmpty else { return (out, 0) }
        if frames < frameCount {
            if shortClipPolicy == .repeatPad && frames > 0 {
                for f in 0..<frameCount {
                    let src = (f % frames) * bands
                    out.replaceSubrange(f * bands..<(f + 1) * bands, with: spectrogram[src..<src + bands])
                }
            } else {
                out.replaceSubrange(0..<frames * bands, with: spectrogram)
            }
            return (out, 1)
        }
        let len = frameCount * bands
        for (i, w) in range.enumerated() {
            let s = w * hop * bands
            out.replaceSubrange(i * len..<(i + 1) * len, with: spectrogram[s..<s + len])
        }
        return (out, range.count)
    }
}

/// Invalid patch settings.
public enum PatchError: Error, CustomStringConvertible {
    case tooShort(seconds: Double)
    case hopBelowOneFrame(seconds: Double)
    public var description: String {
        switch self {
        case .tooShort(let s): return "window length \(s) s is shorter than one frame; use at least 0.032 s (3 s is what the models were trained on)"
        case .hopBelowOneFrame(let s): return "overlap \(s) s is less than one frame (16 ms) of hop; use 0 for no overlap or at least 0.032 s"
        }
    }
}
