import Foundation
import GenreKitCore
import GenreKitModels
import GenreKitNN

/// Something that turns audio files into features, one result per path in input order: a ``FeatureExtractor``
/// (one spec) or a ``CombinedFeatureExtractor`` (several, concatenated).
public protocol FeatureExtracting: Sendable {
    /// Features of every file, in input order; a failing file is a failure result and the others go on.
    func extract(paths: [String], progress: (@Sendable (FeatureExtractor.Progress) -> Void)?) -> [Result<ExtractedFeatures, Error>]
}

extension FeatureExtracting {
    /// Features of every item's file; see ``extract(paths:progress:)``.
    public func extract(_ items: [LabeledItem], progress: (@Sendable (FeatureExtractor.Progress) -> Void)? = nil) -> [Result<ExtractedFeatures, Error>] {
        extract(paths: items.map(\.path), progress: progress)
    }
}

extension FeatureExtractor: FeatureExtracting {}

/// Features of a ``CombinedFeatureSpec``: one ``FeatureExtractor`` per part (each reading and filling the cache
/// under its own key, as a single spec would), their window rows and song vectors concatenated per file.
///
/// A file fails when any part fails for it, or when the parts give it different numbers of windows
/// (``FeatureExtractorError/windowCountMismatch(path:counts:)``).
///
/// YAMNet parts are extracted (and cached) per YAMNet window, then mean-pooled into the windows of
/// ``CombinedFeatureSpec/windowPart`` (``WindowFeatures/meanPooled(into:)``) before the rows are joined; their song
/// vectors stay the song pooling of their own windows.
public struct CombinedFeatureExtractor: FeatureExtracting {
    public let spec: CombinedFeatureSpec
    /// One extractor per part, in the spec's order.
    public let parts: [FeatureExtractor]

    /// Loads each part's network from `store` (nothing for handcrafted parts).
    public init(spec: CombinedFeatureSpec, store: ModelStore = ModelStore(), cache: FeatureCache?) throws {
        self.spec = spec
        parts = try spec.parts.map { try FeatureExtractor(spec: $0, store: store, cache: cache) }
    }

    /// Combines ready extractors (their specs become the parts).
    public init(parts: [FeatureExtractor]) throws {
        spec = try CombinedFeatureSpec(parts: parts.map(\.spec))
        self.parts = parts
    }

    /// Features of every file, in input order. Progress is counted over (part, file) pairs: `total` is
    /// `parts × files`, and the parts run one after the other.
    public func extract(paths: [String], progress: (@Sendable (FeatureExtractor.Progress) -> Void)? = nil) -> [Result<ExtractedFeatures, Error>] {
        if parts.count == 1 { return parts[0].extract(paths: paths, progress: progress) }
        var perPart: [[Result<ExtractedFeatures, Error>]] = []
        var before = FeatureExtractor.Progress(done: 0, total: parts.count * paths.count, cached: 0, computed: 0, failed: 0)
        for part in parts {
            let base = before
            var last = FeatureExtractor.Progress(done: 0, total: paths.count, cached: 0, computed: 0, failed: 0)
            let box = Locked<FeatureExtractor.Progress?>(nil)
            perPart.append(part.extract(paths: paths) { p in
                box.withLock { if $0 == nil || p.done >= $0!.done { $0 = p } }
                progress?(.init(done: base.done + p.done, total: base.total, cached: base.cached + p.cached,
                                computed: base.computed + p.computed, failed: base.failed + p.failed))
            })
            last = box.value ?? last
            before.done += paths.count; before.cached += last.cached; before.computed += last.computed
            before.failed += last.failed
        }
        let specs = spec.parts
        return paths.indices.map { i in
            Result { try Self.concatenate(Self.aligned(perPart.map { try $0[i].get() }, specs: specs)) }
        }
    }

    /// One file's features under every part, concatenated (no cache): see ``FeatureExtractor/windowFeatures(path:)``.
    public func windowFeatures(path: String) throws -> WindowFeatures {
        let windows = try parts.map { try $0.windowFeatures(path: path) }
        return try Self.concatenate(path: path, Self.aligned(windows, specs: spec.parts))
    }

    /// One file's per-part windows with every YAMNet part mean-pooled into the windows of the first part that is
    /// not YAMNet (unchanged when there is none): see ``CombinedFeatureSpec``.
    public static func aligned(_ windows: [WindowFeatures], specs: [FeatureSpec]) -> [WindowFeatures] {
        precondition(windows.count == specs.count, "CombinedFeatureExtractor.aligned: one window matrix per part")
        guard let r = specs.firstIndex(where: { !$0.isYAMNet }) else { return windows }
        return zip(windows, specs).map { w, s in s.isYAMNet ? w.meanPooled(into: windows[r]) : w }
    }

    /// ``aligned(_:specs:)`` on extracted features: the windows pooled, each song vector kept.
    public static func aligned(_ parts: [ExtractedFeatures], specs: [FeatureSpec]) -> [ExtractedFeatures] {
        let windows = aligned(parts.map(\.windows), specs: specs)
        return zip(parts, windows).map { p, w in
            ExtractedFeatures(path: p.path, contentHash: p.contentHash, windows: w, song: p.song, fromCache: p.fromCache)
        }
    }

    /// Concatenates one file's per-part results: window rows side by side, song vectors end to end.
    /// - Throws: ``FeatureExtractorError/windowCountMismatch(path:counts:)``.
    public static func concatenate(_ parts: [ExtractedFeatures]) throws -> ExtractedFeatures {
        precondition(!parts.isEmpty, "CombinedFeatureExtractor.concatenate: no parts")
        if parts.count == 1 { return parts[0] }
        let windows = try concatenate(path: parts[0].path, parts.map(\.windows))
        return ExtractedFeatures(path: parts[0].path, contentHash: parts[0].contentHash, windows: windows,
                                 song: parts.flatMap(\.song), fromCache: parts.allSatisfy(\.fromCache))
    }

    /// Window matrices side by side: row `i` is `[part₁ row i ‖ part₂ row i ‖ …]`; the first part's window
    /// starts and length are kept.
    /// - Throws: ``FeatureExtractorError/windowCountMismatch(path:counts:)`` when the row counts differ.
    public static func concatenate(path: String, _ parts: [WindowFeatures]) throws -> WindowFeatures {
        precondition(!parts.isEmpty, "CombinedFeatureExtractor.concatenate: no parts")
        if parts.count == 1 { return parts[0] }
        let counts = parts.map(\.windowCount)
        guard Set(counts).count == 1 else { throw FeatureExtractorError.windowCountMismatch(path: path, counts: counts) }
        let n = counts[0], width = parts.reduce(0) { $0 + $1.dimension }
        var values = [Float](repeating: 0, count: n * width)
        values.withUnsafeMutableBufferPointer { out in
            var offset = 0
            for part in parts {
                let d = part.dimension
                part.matrix.values.withUnsafeBufferPointer { src in
                    for r in 0..<n {
                        for c in 0..<d { out[r * width + offset + c] = src[r * d + c] }
                    }
                }
                offset += d
            }
        }
        return WindowFeatures(matrix: Tensor(shape: [n, width], values: values), windowStarts: parts[0].windowStarts,
                              windowSeconds: parts[0].windowSeconds)
    }
}
