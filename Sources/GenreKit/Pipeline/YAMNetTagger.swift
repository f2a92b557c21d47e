import GenreKitAudio
import GenreKitModels
import GenreKitNN

/// `genrekit tag --model yamnet`: a file decoded at 16 kHz through YAMNet, one row of AudioSet class scores per
/// 0.975-s window every 0.48 s (``YAMNetModel``), as a ``FileAnalysis`` like the musicnn taggers give.
///
/// With `musicOnly`, the taggram keeps only the music genre and style classes (``YAMNetClassMap/musicGenreRange``),
/// so the ranking (mean score over the windows) is among genres only.
public struct YAMNetTagger: Sendable {
    public let model: YAMNetModel
    public let musicOnly: Bool

    public init(model: YAMNetModel, musicOnly: Bool = false) {
        self.model = model
        self.musicOnly = musicOnly
    }

    /// Class names in taggram column order (class map names, or `class <i>` without a class map).
    public var tags: [String] {
        let all = model.classMap?.names ?? (0..<YAMNetModel.classCount).map { "class \($0)" }
        return musicOnly ? YAMNetClassMap.musicGenreRange.map { all[$0] } : all
    }

    public func analyze(path: String) throws -> FileAnalysis {
        let decoded = try AudioDecoder(sampleRate: YAMNetModel.sampleRate).decode(path: path)
        let out = model.predict(waveform: decoded.samples)
        var taggram = out.scores
        if musicOnly {
            let keep = Array(YAMNetClassMap.musicGenreRange), n = out.scores.shape[0], c = YAMNetModel.classCount
            var v = [Float]()
            v.reserveCapacity(n * keep.count)
            for i in 0..<n { for j in keep { v.append(out.scores.values[i * c + j]) } }
            taggram = Tensor(shape: [n, keep.count], values: v)
        }
        let sr = Double(YAMNetModel.sampleRate)
        return FileAnalysis(path: path, source: decoded.source, tags: tags,
                            windowStarts: out.windowStarts.map { Double($0) / sr },
                            windowSeconds: Double(YAMNetModel.windowLength) / sr, taggram: taggram,
                            features: ["embedding": out.embeddings],
                            padded: decoded.samples.count < YAMNetModel.windowLength)
    }
}
