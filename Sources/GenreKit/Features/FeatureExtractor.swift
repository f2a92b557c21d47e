import Foundation
import GenreKitCore
import GenreKitDSP
import GenreKitModels
import GenreKitNN

/// Turns audio files into ``FeatureSpec`` features, computing only what ``FeatureCache`` lacks.
///
/// ``extract(paths:progress:)``:
/// 1. hashes every file (SHA-256 of its bytes, in parallel);
/// 2. reads the features already cached for those hashes;
/// 3. runs the network on the rest in parallel with ``BatchRunner`` (a file whose bytes appear under several
///    paths runs once), storing each file's features in its own transaction as soon as they are done, so an
///    interrupted run loses at most the files in flight and the next run resumes;
/// 4. returns one result per path, in input order; a file that fails (missing, not audio, …) is a failure
///    result and the others go on.
public struct FeatureExtractor: Sendable {
    /// Progress of an extraction, counted in input paths.
    public struct Progress: Sendable, Equatable {
        /// Paths finished (from the cache, computed, or failed).
        public var done: Int
        /// Paths in the request.
        public var total: Int
        /// Paths whose features came from the cache.
        public var cached: Int
        /// Paths whose features were computed by the network in this run.
        public var computed: Int
        /// Paths that failed.
        public var failed: Int

        public init(done: Int, total: Int, cached: Int, computed: Int, failed: Int) {
            self.done = done
            self.total = total
            self.cached = cached
            self.computed = computed
            self.failed = failed
        }
    }

    public let spec: FeatureSpec
    /// The network run for the spec; nil for the `handcrafted` descriptors and YAMNet.
    public let tagger: Tagger?
    /// YAMNet, for a `yamnet:…` spec (one row per YAMNet window: 0.975 s every 0.48 s); nil otherwise.
    public let yamnet: YAMNetModel?
    /// Where features are looked up and stored; nil computes everything and stores nothing.
    public let cache: FeatureCache?
    /// Files processed at once (default: active processor count).
    public var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount

    /// Uses `tagger`, which must run `spec`'s model with `spec`'s windows.
    /// - Throws: ``FeatureSpecError`` for an invalid spec; ``FeatureExtractorError/taggerMismatch(_:)`` when the
    ///   tagger's model or windows differ from the spec's.
    public init(spec: FeatureSpec, tagger: Tagger, cache: FeatureCache?) throws {
        try spec.validate()
        let patches = try spec.patches()
        if tagger.model.architecture.name != spec.model {
            throw FeatureExtractorError.taggerMismatch("the tagger runs \(tagger.model.architecture.name), the spec asks for \(spec.model)")
        }
        if tagger.model.precision != spec.precision {
            throw FeatureExtractorError.taggerMismatch("the tagger runs \(tagger.model.precision.rawValue), the spec asks for \(spec.precision.rawValue)")
        }
        if spec.hasInt8Scope, case .musicnn(let m) = tagger.model, m.int8Scope != spec.int8Scope {
            throw FeatureExtractorError.taggerMismatch("the tagger runs int8=\(m.int8Scope.keyName), the spec asks for int8=\(spec.int8Scope.keyName)")
        }
        if tagger.patches.frameCount != patches.frameCount || tagger.patches.hop != patches.hop
            || tagger.patches.shortClipPolicy != patches.shortClipPolicy {
            throw FeatureExtractorError.taggerMismatch(
                "the tagger's windows (\(tagger.patches.frameCount) frames, hop \(tagger.patches.hop), \(tagger.patches.shortClipPolicy.rawValue)) "
                + "differ from the spec's (\(patches.frameCount) frames, hop \(patches.hop), \(patches.shortClipPolicy.rawValue))")
        }
        self.init(checked: spec, tagger: tagger, cache: cache)
    }

    private init(checked spec: FeatureSpec, tagger: Tagger?, yamnet: YAMNetModel? = nil, cache: FeatureCache?) {
        self.spec = spec
        self.tagger = tagger
        self.yamnet = yamnet
        self.cache = cache
    }

    /// Extracts a `yamnet:…` spec with a loaded YAMNet.
    /// - Throws: ``FeatureSpecError``; ``FeatureExtractorError/taggerMismatch(_:)`` when `spec` is not a YAMNet spec.
    public init(spec: FeatureSpec, yamnet: YAMNetModel, cache: FeatureCache?) throws {
        try spec.validate()
        guard spec.isYAMNet else { throw FeatureExtractorError.taggerMismatch("YAMNet was given, the spec asks for \(spec.model)") }
        self.init(checked: spec, tagger: nil, yamnet: yamnet, cache: cache)
    }

    /// Loads what `spec` needs: its network (from `store`; YAMNet with ``YAMNetModel/load(store:)``, which checks
    /// its SHA-256), or nothing for the `handcrafted` descriptors.
    /// A fine-tuned network lives in its model file: use ``GenreModel/featureExtractor(store:cache:)``.
    public init(spec: FeatureSpec, store: ModelStore = ModelStore(), cache: FeatureCache?) throws {
        try spec.validate()
        if ModelArchitecture.fineTunedBase(of: spec.model) != nil { throw FeatureExtractorError.fineTunedNeedsModelFile(spec.model) }
        if spec.isHandcrafted {
            self.init(checked: spec, tagger: nil, cache: cache)
        } else if spec.isYAMNet {
            try self.init(spec: spec, yamnet: YAMNetModel.load(store: store), cache: cache)
        } else {
            try self.init(spec: spec, model: PretrainedModel.load(spec.model, store: store), cache: cache)
        }
    }

    /// Builds the tagger for `spec` from a loaded `model`.
    ///
    /// The network runs in `spec.precision` (with `spec.int8Calibration` and `spec.int8Scope` for int8); where this CPU lacks the
    /// instructions it runs in fp32 and the extractor's ``spec`` says fp32, so its features are cached as fp32.
    public init(spec requested: FeatureSpec, model loaded: PretrainedModel, cache: FeatureCache?) throws {
        try requested.validate()
        var spec = requested
        var model = loaded.withPrecision(spec.precision).model
        if model.precision != spec.precision { spec.precision = model.precision; spec.int8Calibration = nil }
        if spec.precision == .int8, let c = spec.int8Calibration { model = model.withInt8Calibration(c) }
        if spec.hasInt8Scope { model = model.withInt8Scope(spec.int8Scope) }
        let tagger = try Tagger(model: model, length: spec.windowLength, overlap: spec.overlap > 0 ? spec.overlap : nil,
                                shortClipPolicy: spec.shortClipPolicy)
        try self.init(spec: spec, tagger: tagger, cache: cache)
    }

    /// Features of every item's file; see ``extract(paths:progress:)``.
    public func extract(_ items: [LabeledItem], progress: (@Sendable (Progress) -> Void)? = nil) -> [Result<ExtractedFeatures, Error>] {
        extract(paths: items.map(\.path), progress: progress)
    }

    /// Features of every file, in input order. `progress` is called once after the cache lookup and after every
    /// file computed or failed, from any thread.
    public func extract(paths: [String], progress: (@Sendable (Progress) -> Void)? = nil) -> [Result<ExtractedFeatures, Error>] {
        let tracker = ProgressTracker(total: paths.count, report: progress)

        // 1. Content hashes.
        let hashes = BatchRunner.map(paths, concurrency: concurrency) { try SHA256Hash.hexDigest(ofFileAt: $0) }
        var results = [Result<ExtractedFeatures, Error>?](repeating: nil, count: paths.count)
        var pathsOfHash: [String: [Int]] = [:]
        var hashOrder: [String] = []
        for (i, h) in hashes.enumerated() {
            switch h {
            case .failure(let e): results[i] = .failure(e); tracker.add(failed: 1, silent: true)
            case .success(let hash):
                if pathsOfHash[hash] == nil { hashOrder.append(hash) }
                pathsOfHash[hash, default: []].append(i)
            }
        }

        // 2. Cached features.
        var cached: [String: WindowFeatures] = [:]
        if let cache, !hashOrder.isEmpty {
            do { cached = try cache.windowFeatures(hashes: hashOrder, spec: spec) } catch {
                for i in pathsOfHash.values.joined() { results[i] = .failure(error) }
                tracker.add(failed: pathsOfHash.values.reduce(0) { $0 + $1.count }, silent: true)
                tracker.flush()
                return results.map { $0! }
            }
        }
        for (hash, features) in cached {
            for i in pathsOfHash[hash]! { results[i] = .success(finish(paths[i], hash, features, fromCache: true)) }
            tracker.add(cached: pathsOfHash[hash]!.count, silent: true)
        }
        tracker.flush()

        // 3. The rest, through the network; each stored as soon as it is done.
        let missing = hashOrder.filter { cached[$0] == nil }
        let pathOfHash = Dictionary(uniqueKeysWithValues: missing.map { ($0, paths[pathsOfHash[$0]![0]]) })
        let sharing = Dictionary(uniqueKeysWithValues: missing.map { ($0, pathsOfHash[$0]!.count) })
        let computed = BatchRunner.map(missing, concurrency: concurrency) { hash in
            let path = pathOfHash[hash]!
            do {
                let features = try windowFeatures(path: path)
                try cache?.store(features, hash: hash, spec: spec, sourcePath: path)
                tracker.add(computed: sharing[hash]!)
                return features
            } catch {
                tracker.add(failed: sharing[hash]!)
                throw error
            }
        }
        for (hash, r) in zip(missing, computed) {
            for i in pathsOfHash[hash]! { results[i] = r.map { finish(paths[i], hash, $0, fromCache: false) } }
        }
        return results.map { $0! }
    }

    /// Runs the network on one file (no cache): the spec's layers, pooled within each window and concatenated.
    /// - Throws: the file's ``GenreKitAudio/AudioError``; ``FeatureExtractorError/noWindows(path:)`` when the
    ///   clip is shorter than one window and the spec drops such clips.
    public func windowFeatures(path: String) throws -> WindowFeatures {
        if let yamnet {
            var analysis = try YAMNetTagger(model: yamnet).analyze(path: path)
            analysis.features["scores"] = analysis.taggram
            return WindowFeatures(analysis: analysis, layers: spec.layers)
        }
        guard let tagger else {
            let audio = try AudioDecoder(sampleRate: MusicnnInput.sampleRate).decode(path: path)
            let f = HandcraftedDescriptor.windowFeatures(samples: audio.samples, layers: spec.layers, patches: try spec.patches())
            guard f.windowCount > 0 else { throw FeatureExtractorError.noWindows(path: path) }
            return f
        }
        let analysis = try tagger.analyze(path: path, features: Set(spec.layers).subtracting([FeatureSpec.outputLayer]),
                                          pooling: spec.windowPooling)
        guard !analysis.windowStarts.isEmpty else { throw FeatureExtractorError.noWindows(path: path) }
        return WindowFeatures(analysis: analysis, layers: spec.layers)
    }

    private func finish(_ path: String, _ hash: String, _ features: WindowFeatures, fromCache: Bool) -> ExtractedFeatures {
        ExtractedFeatures(path: path, contentHash: hash, windows: features, song: features.songVector(spec.songPooling), fromCache: fromCache)
    }
}

/// Thread-safe progress counts for ``FeatureExtractor``.
private struct ProgressTracker: Sendable {
    private let state: Locked<FeatureExtractor.Progress>
    private let report: (@Sendable (FeatureExtractor.Progress) -> Void)?

    init(total: Int, report: (@Sendable (FeatureExtractor.Progress) -> Void)?) {
        state = Locked(.init(done: 0, total: total, cached: 0, computed: 0, failed: 0))
        self.report = report
    }

    func add(cached: Int = 0, computed: Int = 0, failed: Int = 0, silent: Bool = false) {
        let snapshot = state.withLock { s in
            s.cached += cached; s.computed += computed; s.failed += failed
            s.done += cached + computed + failed
            return s
        }
        if !silent { report?(snapshot) }
    }

    /// Reports the current counts.
    func flush() { report?(state.value) }
}

/// Why features could not be extracted.
public enum FeatureExtractorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The tagger does not compute what the spec describes.
    case taggerMismatch(String)
    /// The clip gave no window (shorter than one window with `pad=drop`).
    case noWindows(path: String)
    /// A fine-tuned network was named without its model file.
    case fineTunedNeedsModelFile(String)
    /// The parts of a combined spec gave the file different numbers of windows (one count per part).
    case windowCountMismatch(path: String, counts: [Int])
    /// The model was trained on a feature table, so there is nothing to compute from audio.
    case trainedOnFeatureTable

    public var description: String {
        switch self {
        case .taggerMismatch(let r): return "tagger and feature spec disagree: \(r); build the tagger from the spec (FeatureExtractor(spec:model:cache:))"
        case .fineTunedNeedsModelFile(let m): return "\(m) is a fine-tuned network: it is stored in its .gkmodel file; pass that file (genrekit predict/evaluate MODEL.gkmodel …)"
        case .noWindows(let p): return "\(p): the clip is shorter than one window, so it has no features; use pad=repeatPad or a shorter window"
        case .trainedOnFeatureTable:
            return "this model was trained on a feature table, so it cannot compute features from audio; evaluate it on a feature table (--feature-table) or retrain it on audio"
        case .windowCountMismatch(let p, let counts):
            return "\(p): the parts of the combined spec cut \(counts.map(String.init).joined(separator: " vs ")) windows, so their rows cannot be joined; extract the parts separately (without '+') to see which one, and report this file"
        }
    }
}
