import Foundation
import GenreKitAudio
import GenreKitCore
import GenreKitDSP
import GenreKitModels
import GenreKitNN

/// Audio file → taggram and features with a pre-trained network, like musicnn's `extractor(file, model,
/// input_length, input_overlap)`: decode at 16 kHz, log-mel, windows of `input_length` seconds stepped by
/// `input_overlap` seconds (musicnn's name for the hop; no overlap when nil), network on every window.
///
/// A file streams through decoding, log-mel, windows and the network in blocks, and window features are pooled per
/// chunk, so memory stays bounded whatever the file's length (only the taggram and the features grow with it).
public struct Tagger: Sendable {
    public let model: PretrainedModel
    public var frontEnd: MusicnnFrontEnd
    public let patches: Patches
    /// Windows per network call. A window's outputs can differ in the last float32 bits with the number of windows
    /// in its call (the GEMM shape), so they are the same for the same file and settings, not across chunkings.
    public var chunkWindows: Int = 8
    /// Chunks run at once (each on one core with single-threaded BLAS, so values do not depend on the thread
    /// count); 1 runs them in turn. Inside a parallel ``BatchRunner`` batch that still has files waiting for a worker,
    /// ``analyze(path:features:pooling:)`` runs them in turn whatever this says: the files are the parallelism
    /// (two files at once, each with a decoding thread and chunk threads, left cores idle while chunks waited for
    /// their file's decoding).
    public var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Decoded samples gathered before their log-mel is computed when a file streams (16,384 = 1 s at 16 kHz: a chunk's
    /// windows go to the network about as soon as their audio is decoded). Does not change any value.
    public var feedSamples: Int = 1 << 14
    /// When chunks run alongside decoding (``concurrency`` above 1), the file is decoded on a thread of its own a few
    /// blocks ahead (``AudioDecoder/readAhead``), so libmpg123 (or FFmpeg) and the resampler + log-mel run at once.
    /// Does not change any value.
    public var decodesAhead = true
    /// When chunks run alongside decoding, they run on threads whose priority is lowered by this many nice levels
    /// (``ThreadPriority``; 0 runs them on Dispatch's workers at normal priority). Decoding is the critical path of a
    /// file: with the network in bf16 or int8 it is most of the file's time, and chunk threads at equal priority took
    /// a third of its core. Does not change any value.
    public var chunkNice: Int32 = 10

    /// - Parameters:
    ///   - length: window length in seconds (3 s = 187 frames, what the models were trained on; VGG models need 3).
    ///   - overlap: musicnn's `input_overlap`: the hop between windows in seconds; nil or 0 for back-to-back windows.
    public init(model: PretrainedModel, length: Double = 3, overlap: Double? = nil,
                shortClipPolicy: Patches.ShortClipPolicy = .repeatPad) throws {
        if model.architecture.kind == .vgg && length != 3 {
            throw TaggerError.vggNeedsThreeSeconds(length)
        }
        self.model = model
        self.frontEnd = MusicnnFrontEnd()
        self.patches = try Patches.musicnn(length: length, overlap: overlap, shortClipPolicy: shortClipPolicy)
    }

    /// Tags one file; `features` names the layers to return (``ModelArchitecture/featureNames``), pooled over
    /// time per window with `pooling` (nil keeps each window's full map).
    ///
    /// The file streams through in bounded memory: decoded in blocks (``AudioStream``), its log-mel computed as the
    /// samples arrive (``MusicnnFrontEnd/forEachLogMel(path:feedSamples:_:)``), its windows cut as their frames
    /// arrive (``PatchStream``), and each chunk of ``chunkWindows`` windows goes through the network as soon as it is
    /// cut: with ``concurrency`` above 1, decoding runs on a thread of its own (``decodesAhead``), resampling, the
    /// log-mel and cutting windows on another, while ``concurrency`` threads of lower priority (``chunkNice``) run the
    /// chunks (``ChunkPipeline``), so the network starts before the file is decoded and decoding never waits for a
    /// core; with 1, all in turn on this thread.
    /// The chunks are the whole spectrogram's, so the outputs are bit for bit those of
    /// ``analyze(logMel:frames:path:source:features:pooling:)`` on ``MusicnnFrontEnd/logMel(path:)``.
    public func analyze(path: String, features: Set<String> = [], pooling: TimePooling? = nil) throws -> FileAnalysis {
        try check(features)
        let chunk = max(1, chunkWindows), len = patches.frameCount * MusicnnInput.melBands
        // BLAS runs single-threaded in every chunk (see run(windows:…)).
        let inTurn = concurrency <= 1 || BatchRunner.current?.hasWaitingItems == true
        var fe = self.frontEnd
        // Decoding on a thread of its own when the chunks run alongside: it, not the network, is the critical path.
        fe.decoder.readAhead = !inTurn && decodesAhead
        let (frontEnd, patches, feedSamples) = (fe, self.patches, self.feedSamples)
        /// Decodes the file and hands each chunk of windows to `emit` as soon as it is cut; returns the file's facts.
        @Sendable func produce(_ emit: ([Float], Int) -> Void) throws -> (source: AudioFileInfo, frames: Int, windows: Int) {
            var windows = PatchStream(patches: patches, bands: MusicnnInput.melBands)
            let (source, frames) = try frontEnd.forEachLogMel(path: path, feedSamples: feedSamples) { rows in
                windows.append(rows)
                while windows.readyCount >= chunk { emit(windows.take(chunk), chunk) }
            }
            let (rest, count) = windows.takeRest()
            for lo in stride(from: 0, to: count, by: chunk) {
                let hi = min(count, lo + chunk)
                emit(Array(rest[(lo * len)..<(hi * len)]), hi - lo)
            }
            return (source, frames, windows.nextWindow)
        }
        return try BLASThreads.withSingleThread {
            if inTurn {
                var parts: [ModelOutput] = []
                let facts = try produce { parts.append(runChunk($0, count: $1, features: features, pooling: pooling)) }
                return assemble(parts, windows: facts.windows, frames: facts.frames, path: path, source: facts.source)
            }
            let (facts, parts) = try ChunkPipeline<([Float], Int), (source: AudioFileInfo, frames: Int, windows: Int)>.run(
                consumers: concurrency, capacity: 2 * concurrency, consumerNice: chunkNice,
                produce: { pipeline in try produce { pipeline.push(($0, $1)) } },
                consume: { [self] in runChunk($0.0, count: $0.1, features: features, pooling: pooling) })
            return assemble(parts, windows: facts.windows, frames: facts.frames, path: path, source: facts.source)
        }
    }

    /// Tags a precomputed log-mel spectrogram (frames × 96).
    public func analyze(logMel: [Float], frames: Int, path: String, source: AudioFileInfo,
                        features: Set<String> = [], pooling: TimePooling? = nil) -> FileAnalysis {
        let bands = MusicnnInput.melBands
        let count = patches.count(frames: frames)
        let parts = run(windows: count, features: features, pooling: pooling) { r in
            patches.extract(logMel, bands: bands, windows: r).values
        }
        return assemble(parts, windows: count, frames: frames, path: path, source: source)
    }

    private func check(_ features: Set<String>) throws {
        let known = Set(model.architecture.featureNames)
        if let bad = features.subtracting(known).sorted().first {
            throw TaggerError.unknownFeature(bad, model: model.architecture.name, known: model.architecture.featureNames)
        }
    }

    /// Runs `count` windows through the network in chunks of ``chunkWindows`` (window ranges `[0, c)`, `[c, 2c)`, …
    /// of this call), `input(range)` giving each chunk's patches; the outputs in order.
    private func run(windows count: Int, features: Set<String>, pooling: TimePooling?,
                     input: @escaping @Sendable (Range<Int>) -> [Float]) -> [ModelOutput] {
        // Chunks of windows go through the network on all cores at once, each with single-threaded BLAS: the
        // pruned front-end GEMMs are too skinny (20–40 filters) for OpenBLAS to split one of them well.
        let chunkStarts = Array(stride(from: 0, to: count, by: max(1, chunkWindows)))
        let outputs = Locked([ModelOutput?](repeating: nil, count: chunkStarts.count))
        let work: @Sendable (Int) -> Void = { [self] k in
            let lo = chunkStarts[k], hi = min(count, lo + max(1, chunkWindows))
            let out = runChunk(input(lo..<hi), count: hi - lo, features: features, pooling: pooling)
            outputs.withLock { $0[k] = out }
        }
        // BLAS runs single-threaded either way: a threaded GEMM splits rows between threads, and each part's edge
        // rows may round differently, so the values would depend on OPENBLAS_NUM_THREADS and the core count.
        BLASThreads.withSingleThread {
            if chunkStarts.count <= 1 || concurrency <= 1 {
                for k in chunkStarts.indices { work(k) }
            } else {
                // One iteration per chunk, so whichever thread is free takes the next chunk.
                DispatchQueue.concurrentPerform(iterations: chunkStarts.count, execute: work)
            }
        }
        return outputs.value.compactMap { $0 }
    }

    /// One chunk of `count` windows through the network, its features pooled per window (or flattened).
    private func runChunk(_ input: [Float], count: Int, features: Set<String>, pooling: TimePooling?) -> ModelOutput {
        var out = model.predict(patches: input, count: count, features: features)
        out.features = Dictionary(uniqueKeysWithValues: out.features.map { name, t in
            (name, pooling.map { $0.pool(t) } ?? Tagger.flattenVector(name, t))
        })
        return out
    }

    private func assemble(_ parts: [ModelOutput], windows: Int, frames: Int, path: String, source: AudioFileInfo) -> FileAnalysis {
        let taggrams = parts.map(\.taggram)
        var featureParts: [String: [Tensor]] = [:]
        for part in parts { for (name, t) in part.features { featureParts[name, default: []].append(t) } }
        let tags = model.architecture.tags
        let hopSeconds = MusicnnInput.seconds(frames: patches.hop)
        return FileAnalysis(
            path: path, source: source, tags: tags,
            windowStarts: (0..<windows).map { Double($0) * hopSeconds },
            windowSeconds: MusicnnInput.seconds(frames: patches.frameCount),
            taggram: taggrams.isEmpty ? Tensor(shape: [0, tags.count]) : Tensor.stacking(taggrams),
            features: featureParts.mapValues { Tensor.stacking($0) },
            padded: frames < patches.frameCount && windows > 0)
    }

    /// VGG's `pool5` is `[count, 2, 1, 128]`; as a window vector it is flattened (256 values, NHWC order).
    static func flattenVector(_ name: String, _ t: Tensor) -> Tensor {
        name == "pool5" ? t.reshaped([t.shape[0], t.count / max(1, t.shape[0])]) : t
    }
}

/// Invalid tagging requests.
public enum TaggerError: Error, CustomStringConvertible, Equatable {
    case vggNeedsThreeSeconds(Double)
    case unknownFeature(String, model: String, known: [String])

    public var description: String {
        switch self {
        case .vggNeedsThreeSeconds(let s): return "the VGG models take 3-s windows only (got --length \(s)); use --length 3 or a musicnn model"
        case .unknownFeature(let f, let m, let known): return "\(m) has no layer '\(f)'; choose from \(known.joined(separator: ", "))"
        }
    }
}
