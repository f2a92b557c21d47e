import GenreKitAudio
import GenreKitDSP
import GenreKitNN

/// Handcrafted features (``HandcraftedFeatures``, librosa definitions) as a feature "model" named `handcrafted`,
/// so they go through the same windows, cache, training and studies as network layers.
///
/// Layers: `mfcc` — the time summaries of the 20 MFCCs and their first and second deltas (360 values per window);
/// `all` — the whole handcrafted vector (spectral shape, flux, ZCR, RMS, contrast, chroma, tonnetz, MFCCs, tempo;
/// ``HandcraftedFeatures/columnNames``). Each window's vector is computed on that window's audio
/// (`n_frames − 1` hops of 256 samples from the window's first frame); a clip shorter than one window gives one
/// vector over the whole clip.
public enum HandcraftedDescriptor {
    /// The pseudo-model name in feature specs (`handcrafted:mfcc`, `handcrafted:all`).
    public static let modelName = "handcrafted"
    /// Its layers.
    public static let layerNames = ["mfcc", "all"]

    /// Column indices of `layer` in ``HandcraftedFeatures/columnNames``.
    public static func columns(_ layer: String) -> [Int] {
        let names = HandcraftedFeatures.columnNames
        return layer == "mfcc" ? names.indices.filter { names[$0].hasPrefix("mfcc_") } : Array(names.indices)
    }

    /// Window features of `samples` (16 kHz) for `layers`, concatenated in order, with the windows of `patches`.
    public static func windowFeatures(samples: [Float], layers: [String], patches: Patches) -> WindowFeatures {
        let hop = MusicnnInput.hopLength
        let frames = 1 + samples.count / hop
        let starts = patches.starts(frames: frames)
        let length = (patches.frameCount - 1) * hop
        let extractor = HandcraftedFeatures()
        let picks = layers.map(columns)
        let width = picks.reduce(0) { $0 + $1.count }
        var values: [Float] = []
        values.reserveCapacity(max(1, starts.count) * width)
        let windows: [Range<Int>] = frames < patches.frameCount || starts.isEmpty
            ? [0..<samples.count]
            : starts.map { s in (s * hop)..<min(samples.count, s * hop + length) }
        for w in windows {
            let v = extractor.vector(Array(samples[w]))
            for cols in picks { values += cols.map { Float(v[$0]) } }
        }
        let hopSeconds = MusicnnInput.seconds(frames: patches.hop)
        return WindowFeatures(matrix: Tensor(shape: [windows.count, width], values: values),
                              windowStarts: windows.indices.map { Double($0) * hopSeconds },
                              windowSeconds: MusicnnInput.seconds(frames: patches.frameCount))
    }
}
