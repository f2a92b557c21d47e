import Foundation
import GenreKitCore
import GenreKitDSP
import GenreKitModels
import GenreKitNN

/// A class's saliency over one song: per-window maps on the song's log-mel spectrogram.
public struct SaliencyMap: Sendable {
    public var path: String
    public var model: String
    public var label: String
    public var method: ExplainMethod
    /// The song's log-mel input `[frames, 96]`.
    public var logMel: Tensor
    /// Start frame of each window.
    public var windowStartFrames: [Int]
    /// The raw map per window `[n, T, 96]` (``SaliencyExplainer/explain(_:class:method:)``).
    public var windows: Tensor
    /// ``SaliencyExplainer/relevance(_:patches:method:)`` per window, `[n, T, 96]`.
    public var relevance: Tensor
    /// The class score of each window.
    public var scores: [Double]

    /// Seconds per frame (hop / sample rate).
    public static let frameSeconds = Double(MusicnnInput.hopLength) / Double(MusicnnInput.sampleRate)

    /// Centre frequency of each mel band in Hz (Slaney mel scale, 0–8 kHz as musicnn's filterbank).
    public static var bandHz: [Double] {
        let bands = MusicnnInput.melBands, top = MelScale.slaney.mel(fromHz: Double(MusicnnInput.sampleRate) / 2)
        return (0..<bands).map { MelScale.slaney.hz(fromMel: top * Double($0 + 1) / Double(bands + 1)) }
    }

    /// Window start times in seconds.
    public var windowStarts: [Double] { windowStartFrames.map { Double($0) * Self.frameSeconds } }

    /// Relevance over the whole song `[frames, 96]`: windows placed at their start frames, overlaps averaged,
    /// frames no window covers 0.
    public var songRelevance: Tensor {
        let frames = logMel.shape[0], bands = logMel.shape[1], t = windows.shape[1]
        var sum = [Float](repeating: 0, count: frames * bands), count = [Float](repeating: 0, count: frames)
        for (w, start) in windowStartFrames.enumerated() {
            for i in 0..<t where start + i < frames {
                count[start + i] += 1
                for b in 0..<bands { sum[(start + i) * bands + b] += relevance.values[(w * t + i) * bands + b] }
            }
        }
        for f in 0..<frames where count[f] > 1 { for b in 0..<bands { sum[f * bands + b] /= count[f] } }
        return Tensor(shape: [frames, bands], values: sum)
    }

    /// The raw per-window maps as `.npy` (`[n, T, 96]` float32).
    public func writeNPY(to path: String) throws { try NPYArray(shape: windows.shape, values: windows.values).write(to: path) }

    /// JSON: the model, class, method, axes (window starts in seconds, seconds per frame, band centres in Hz), the
    /// window scores and the raw maps (`maps[window][frame][band]`).
    public func json() throws -> Data {
        struct Body: Encodable {
            var path, model, label, method: String
            var frame_seconds: Double
            var band_hz: [Double]
            var window_starts: [Double]
            var scores: [Double]
            var maps: [[[Float]]]
        }
        let (n, t, b) = (windows.shape[0], windows.shape[1], windows.shape[2])
        let maps = (0..<n).map { w in (0..<t).map { i in Array(windows.values[((w * t + i) * b)..<((w * t + i + 1) * b)]) } }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try enc.encode(Body(path: path, model: model, label: label, method: method.rawValue, frame_seconds: Self.frameSeconds,
                                   band_hz: Self.bandHz, window_starts: windowStarts, scores: scores, maps: maps))
    }
}

extension SaliencyExplainer {
    /// Explains class `c` (nil: the class with the highest mean score over the song's windows) on the audio
    /// file at `path`: decoded and cut into windows as `genrekit tag` does.
    public func explain(path: String, class c: Int?, method: ExplainMethod, modelName: String,
                        patches spec: Patches = Patches(frameCount: MusicnnInput.windowFrames)) throws -> SaliencyMap {
        let (logMel, frames, _) = try MusicnnFrontEnd().logMel(path: path)
        return try explain(logMel: logMel, frames: frames, path: path, class: c, method: method, modelName: modelName, patches: spec)
    }

    /// As ``explain(path:class:method:modelName:patches:)`` on a log-mel spectrogram (frames × 96).
    public func explain(logMel: [Float], frames: Int, path: String, class c: Int?, method: ExplainMethod, modelName: String,
                        patches spec: Patches = Patches(frameCount: MusicnnInput.windowFrames)) throws -> SaliencyMap {
        let bands = MusicnnInput.melBands
        let starts = spec.starts(frames: frames)
        guard !starts.isEmpty else { throw ExplainError.noWindows(path: path) }
        let (values, count) = spec.extract(logMel, bands: bands)
        let patches = Tensor(shape: [count, spec.frameCount, bands], values: values)
        let cls: Int
        if let c { cls = c } else {
            var best = 0, bestMean = -Double.infinity
            for k in scorer.labels.indices {
                let s = scorer.score(patches, class: k)
                let mean = s.reduce(0, +) / Double(max(s.count, 1))
                if mean > bestMean { bestMean = mean; best = k }
            }
            cls = best
        }
        let map = try explain(patches, class: cls, method: method)
        return SaliencyMap(path: path, model: modelName, label: scorer.labels[cls], method: method,
                           logMel: Tensor(shape: [frames, bands], values: Array(logMel.prefix(frames * bands))),
                           windowStartFrames: starts, windows: map, relevance: Self.relevance(map, patches: patches, method: method),
                           scores: scorer.score(patches, class: cls))
    }
}
