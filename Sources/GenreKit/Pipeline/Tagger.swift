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
/// Windows stream through the network in chunks of ``chunkWindows``, and window features are pooled per chunk,
/// so memory stays bounded by the decoded audio and its spectrogram even for hour-long files.
public struct Tagger: Sendable {
    public let model: PretrainedModel
    public let frontEnd: MusicnnFrontEnd
    public let patches: Patches
    /// Windows per network call. A window's outputs can differ in the last float32 bits with the number of windows
    /// in its call (the GEMM shape), so they are the same for the same file and settings, not across chunkings.
    public var chunkWindows: Int = 8
    /// Chunks run at once (each on one core with single-threaded BLAS, so values do not depend on the thread
    /// count); 1 runs them in turn.
    /// Set to 1 when files are already processed in parallel (``BatchRunner``).
    public var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount

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
    public func analyze(path: String, features: Set<String> = [], pooling: TimePooling? = nil) throws -> FileAnalysis {
        let known = Set(model.architecture.featureNames)
        if let bad = features.subtracting(known).sorted().first {
            throw TaggerError.unknownFeature(bad, model: model.architecture.name, known: model.architecture.featureNames)
        }
        let (logMel, frames, audio) = try frontEnd.logMel(path: path)
        return analyze(logMel: logMel, frames: frames, path: path, source: audio.source, features: features, pooling: pooling)
    }

    /// Tags a precomputed log-mel spectrogram (frames × 96).
    public func analyze(logMel: [Float], frames: Int, path: String, source: AudioFileInfo,
                        features: Set<String> = [], pooling: TimePooling? = nil) -> FileAnalysis {
        let bands = MusicnnInput.melBands
        let starts = patches.starts(frames: frames)
        // Chunks of windows go through the network on all cores at once, each with single-threaded BLAS: the
        // pruned front-end GEMMs are too skinny (20–40 filters) for OpenBLAS to split one of them well.
        let chunkStarts = Array(stride(from: 0, to: starts.count, by: max(1, chunkWindows)))
        let outputs = Locked([ModelOutput?](repeating: nil, count: chunkStarts.count))
        let work: @Sendable (Int) -> Void = { [self] k in
            let lo = chunkStarts[k], hi = min(starts.count, lo + max(1, chunkWindows))
            let input = patches.extract(logMel, bands: bands, windows: lo..<hi).values
            var out = model.predict(patches: input, count: hi - lo, features: features)
            out.features = Dictionary(uniqueKeysWithValues: out.features.map { name, t in
                (name, pooling.map { $0.pool(t) } ?? Tagger.flattenVector(name, t))
            })
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
        let parts = outputs.value.compactMap { $0 }
        let taggrams = parts.map(\.taggram)
        var featureParts: [String: [Tensor]] = [:]
        for part in parts { for (name, t) in part.features { featureParts[name, default: []].append(t) } }
        let tags = model.architecture.tags
        let hopSeconds = MusicnnInput.seconds(frames: patches.hop)
        return FileAnalysis(
            path: path, source: source, tags: tags,
            windowStarts: starts.indices.map { Double($0) * hopSeconds },
            windowSeconds: MusicnnInput.seconds(frames: patches.frameCount),
            taggram: taggrams.isEmpty ? Tensor(shape: [0, tags.count]) : Tensor.stacking(taggrams),
            features: featureParts.mapValues { Tensor.stacking($0) },
            padded: frames < patches.frameCount && !starts.isEmpty)
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
