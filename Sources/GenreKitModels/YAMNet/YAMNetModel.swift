import Dispatch
import Foundation
import GenreKitCore
import GenreKitDSP
import GenreKitNN

/// YAMNet (MobileNet-v1 on log-mel patches, trained on AudioSet's 521 classes), run natively from TensorFlow's
/// published TensorFlow Lite file (`yamnet.tflite`) as a ``TFLitePlan``.
///
/// Input: 16-kHz mono float waveform. It is cut into windows of ``windowLength`` = 15 600 samples (0.975 s, one
/// 96-frame log-mel patch) every ``hopLength`` = 7 680 samples (0.48 s, YAMNet's patch hop):
///
///     window k = y[k·7680 ..< k·7680 + 15600],   k = 0 … K − 1,   K = 1 + max(0, ⌈(N − 15600) / 7680⌉)
///
/// the last window (and a clip shorter than 0.975 s) zero-padded at the end, as YAMNet pads. Each window gives the
/// 521 class scores and the 1024-d embedding; the graph reproduces `tf.lite.Interpreter`'s reference kernels
/// (int8 hybrid layers included) — see ``HybridDense``.
///
/// Immutable after loading; ``predict(windows:)`` runs windows in parallel and may be called from several threads.
public struct YAMNetModel: Sendable {
    public static let name = "yamnet"
    /// SHA-256 of TensorFlow's published `yamnet.tflite` (3 959 752 bytes).
    public static let sha256 = "687f226c147a2caab4706fbbab5e9cecb14b9a368264bf61108078b1fddf68f5"
    /// SHA-256 of `yamnet_class_map.tsv`.
    public static let classMapSHA256 = "774ed5c4389262a4aa6ba6b8c5703f66dd80d62be07dbc1a86bccf3fe415a1e9"
    public static let modelFileName = "yamnet.tflite"
    public static let classMapFileName = "yamnet_class_map.tsv"
    public static let sampleRate = 16000
    public static let windowLength = 15600
    public static let hopLength = 7680
    public static let classCount = 521
    public static let embeddingSize = 1024
    /// Name (up to TensorFlow Lite's `;`-joined aliases) of the embedding tensor.
    public static let embeddingTensor = "yamnet_frames/global_average_pooling2d/Mean"

    public let plan: TFLitePlan
    /// Class names (nil when the class map was not given).
    public let classMap: YAMNetClassMap?
    let scoresIndex: Int
    let embeddingIndex: Int

    /// Builds the model from a decoded file.
    public init(file: TFLiteModelFile, classMap: YAMNetClassMap? = nil) throws {
        let plan = try TFLitePlan(model: file)
        guard plan.shapes[plan.inputIndex] == [Self.windowLength] else {
            throw TFLiteError.unsupported("YAMNet input is \(plan.shapes[plan.inputIndex]), expected [\(Self.windowLength)]")
        }
        guard plan.outputIndices.count == 1, plan.shapes[plan.outputIndices[0]] == [1, Self.classCount] else {
            throw TFLiteError.unsupported("YAMNet output is not [1, \(Self.classCount)]")
        }
        guard let e = plan.tensorNames.firstIndex(where: { $0.split(separator: ";").first.map(String.init) == Self.embeddingTensor }),
              plan.shapes[e] == [1, Self.embeddingSize] else {
            throw TFLiteError.unsupported("no [1, \(Self.embeddingSize)] tensor named \(Self.embeddingTensor)")
        }
        self.plan = plan
        self.classMap = classMap
        scoresIndex = plan.outputIndices[0]
        embeddingIndex = e
    }

    /// Loads `path`, checking its SHA-256 against the published one (``sha256``) unless `verify` is false, and the
    /// class map at `classMapPath` when given.
    public init(path: String, classMapPath: String? = nil, verify: Bool = true) throws {
        let file = try TFLiteModelFile(contentsOf: path, knownSHA256: verify ? (Self.name, Self.sha256) : nil)
        try self.init(file: file, classMap: try classMapPath.map { try YAMNetClassMap(contentsOf: $0) })
    }

    /// Loads the installed model from `store` (`<root>/yamnet/yamnet.tflite` and its class map).
    public static func load(store: ModelStore = ModelStore()) throws -> YAMNetModel {
        let files = try store.yamnetFiles()
        return try YAMNetModel(path: files.model, classMapPath: files.classMap)
    }

    /// First samples of the windows of an `n`-sample waveform (see the type's documentation).
    public static func windowStarts(sampleCount n: Int) -> [Int] {
        let extra = Swift.max(0, n - windowLength)
        let count = 1 + (extra + hopLength - 1) / hopLength
        return (0..<count).map { $0 * hopLength }
    }

    /// Scores and embeddings of every window of `waveform` (16 kHz mono).
    public func predict(waveform: [Float]) -> YAMNetOutput {
        let starts = Self.windowStarts(sampleCount: waveform.count)
        let windows = starts.map { s -> [Float] in
            var w = [Float](repeating: 0, count: Self.windowLength)
            let end = Swift.min(waveform.count, s + Self.windowLength)
            if end > s { w.replaceSubrange(0..<(end - s), with: waveform[s..<end]) }
            return w
        }
        var out = predict(windows: windows)
        out.windowStarts = starts
        return out
    }

    /// Most windows run through the network together (``TFLitePlan/run(batch:keeping:)``).
    public static let maximumBatch = 32

    /// Scores `[n, 521]` and embeddings `[n, 1024]` of `n` windows of exactly ``windowLength`` samples each.
    /// The windows run in batches of up to ``maximumBatch`` (each layer one GEMM over the batch), batches in parallel
    /// (BLAS and oneDNN single-threaded inside); every window's numbers are those of running it alone, whatever the batch size
    /// and thread count.
    public func predict(windows: [[Float]]) -> YAMNetOutput {
        precondition(windows.allSatisfy { $0.count == Self.windowLength }, "YAMNet windows must hold \(Self.windowLength) samples")
        let n = windows.count
        var scores = [Float](repeating: 0, count: n * Self.classCount)
        var embeddings = [Float](repeating: 0, count: n * Self.embeddingSize)
        let keep = [scoresIndex, embeddingIndex]
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let size = Swift.max(1, Swift.min(Self.maximumBatch, (n + cores - 1) / Swift.max(cores, 1)))
        let batches = stride(from: 0, to: n, by: size).map { $0..<Swift.min(n, $0 + size) }
        scores.withUnsafeMutableBufferPointer { sp in
            embeddings.withUnsafeMutableBufferPointer { ep in
                let s = UnsafeMutableSendablePointer(sp.baseAddress), e = UnsafeMutableSendablePointer(ep.baseAddress)
                BLASThreads.withSingleThread {
                    DispatchQueue.concurrentPerform(iterations: batches.count) { b in
                        let range = batches[b]
                        let r = Int8GEMM.withSingleThread {
                            plan.run(batch: range.map { Tensor(shape: [Self.windowLength], values: windows[$0]) }, keeping: keep)
                        }
                        r[0].values.withUnsafeBufferPointer {
                            (s.pointer! + range.lowerBound * Self.classCount).update(from: $0.baseAddress!, count: range.count * Self.classCount)
                        }
                        r[1].values.withUnsafeBufferPointer {
                            (e.pointer! + range.lowerBound * Self.embeddingSize).update(from: $0.baseAddress!, count: range.count * Self.embeddingSize)
                        }
                    }
                }
            }
        }
        return YAMNetOutput(scores: Tensor(shape: [n, Self.classCount], values: scores),
                            embeddings: Tensor(shape: [n, Self.embeddingSize], values: embeddings),
                            windowStarts: (0..<n).map { $0 * Self.hopLength })
    }

    /// Class indices by decreasing mean score over the windows (ties: lower index first), optionally restricted to
    /// `among` (e.g. ``YAMNetClassMap/musicGenreIndices`` for a `--music` ranking).
    public static func ranking(_ scores: Tensor, among: [Int]? = nil) -> [(index: Int, score: Float)] {
        let n = scores.shape[0], c = scores.shape[1]
        var mean = [Float](repeating: 0, count: c)
        for i in 0..<n { for j in 0..<c { mean[j] += scores.values[i * c + j] } }
        let classes = among ?? Array(0..<c)
        var ranked: [(index: Int, score: Float)] = []
        for j in classes { ranked.append((index: j, score: n > 0 ? mean[j] / Float(n) : 0)) }
        ranked.sort { a, b in a.score > b.score || (a.score == b.score && a.index < b.index) }
        return ranked
    }
}

/// A raw pointer carried into a concurrent loop whose iterations write disjoint ranges.
struct UnsafeMutableSendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>?
    init(_ p: UnsafeMutablePointer<Float>?) { pointer = p }
}
