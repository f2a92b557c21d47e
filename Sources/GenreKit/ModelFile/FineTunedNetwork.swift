import Foundation
import GenreKitCore
import GenreKitModels
import GenreKitNN

/// A float32 tensor in a model file: shape and little-endian bytes in base64.
public struct StoredTensor: Codable, Sendable, Equatable {
    public var shape: [Int]
    public var data: String

    public init(_ t: Tensor) {
        shape = t.shape
        data = t.values.withUnsafeBufferPointer { b in Data(buffer: b).base64EncodedString() }
    }

    /// The tensor, or nil when the bytes do not fill the shape.
    public var tensor: Tensor? {
        guard let bytes = Data(base64Encoded: data), bytes.count == Tensor.elementCount(shape) * 4 else { return nil }
        var values = [Float](repeating: 0, count: bytes.count / 4)
        _ = values.withUnsafeMutableBytes { bytes.copyBytes(to: $0) }
        return Tensor(shape: shape, values: values)
    }
}

/// The network of a fine-tuned model (`genrekit finetune`): only what training changed, plus the name and checksum
/// of the pre-trained network underneath, which must be installed (``load(store:)``) to use the model.
public struct FineTunedNetwork: Codable, Sendable {
    /// The fine-tuned network's name, `BASE~ftXXXXXXXX` (the feature spec's model).
    public var name: String
    /// The pre-trained network (`MSD_musicnn`, …, or `random_musicnn`).
    public var base: String
    /// SHA-256 of the base's variables (``checksum(of:)``).
    public var baseChecksum: String
    public var stage: FineTuneStage
    /// Changed variables by checkpoint name.
    public var variables: [String: StoredTensor]
    public var options: FineTuneOptions
    public var bestEpoch: Int
    public var history: [FineTuneEpoch]

    /// Packs `network`, computing the checksums.
    public init(network: MusicnnTrainableNetwork, baseWeights: WeightSource, options: FineTuneOptions, bestEpoch: Int,
                history: [FineTuneEpoch]) throws {
        let trained = network.trainedVariables()
        base = network.base.name
        baseChecksum = try Self.checksum(of: baseWeights)
        name = network.base.name + "~ft" + String(try Self.checksum(of: DictionaryWeights(trained)).prefix(8))
        stage = network.stage
        variables = trained.mapValues(StoredTensor.init)
        self.options = options
        self.bestEpoch = bestEpoch
        self.history = history
    }

    /// SHA-256 (hex) over the model variables sorted by name: each name, shape and float32 bytes.
    public static func checksum(of weights: WeightSource) throws -> String {
        var h = SHA256Hash()
        for name in weights.weightNames.sorted() where !Checkpoint.isTrainingState(name, includingGlobalStep: true) {
            let w = try weights.weight(named: name)
            h.update(Data((name + "|" + w.shape.map(String.init).joined(separator: ",") + "|").utf8))
            w.values.withUnsafeBytes { h.update($0) }
        }
        return SHA256Hash.hexString(h.finalize())
    }

    /// Rebuilds the inference network for `labels`: the base from `store`, checked against ``baseChecksum``, with
    /// the stored variables on top.
    public func load(labels: [String], store: ModelStore = ModelStore()) throws -> PretrainedModel {
        let (arch, weights) = try fineTunedWeights(labels: labels, store: store)
        return .musicnn(try MusicnnModel(architecture: arch, weights: weights))
    }

    /// The fine-tuned network's architecture (the base's, retargeted to `labels` with a softmax) and its weights
    /// (the stored variables over the base from `store`, checked against ``baseChecksum``).
    public func fineTunedWeights(labels: [String], store: ModelStore = ModelStore()) throws -> (architecture: ModelArchitecture, weights: WeightSource) {
        let arch: ModelArchitecture
        let weights: WeightSource
        if base == RandomMusicnnWeights.modelName {
            arch = RandomMusicnnWeights.architecture
            weights = RandomMusicnnWeights.make()
        } else {
            guard let a = ModelArchitecture.named(base) else { throw ModelLoadError.unknownModel(name: base) }
            arch = a
            weights = try store.checkpoint(for: base)
        }
        let found = try Self.checksum(of: weights)
        guard found == baseChecksum else { throw FineTunedNetworkError.baseChanged(base: base, expected: baseChecksum, found: found) }
        var overrides: [String: Tensor] = [:]
        for (k, v) in variables {
            guard let t = v.tensor else { throw FineTunedNetworkError.damaged(variable: k) }
            overrides[k] = t
        }
        return (arch.retargeted(name: name, tags: labels, outputActivation: .softmax), OverlayWeights(base: weights, overrides: overrides))
    }
}

/// Why a fine-tuned network could not be rebuilt.
public enum FineTunedNetworkError: Error, CustomStringConvertible, Equatable {
    case baseChanged(base: String, expected: String, found: String)
    case damaged(variable: String)

    public var description: String {
        switch self {
        case .baseChanged(let base, let expected, let found):
            return "the installed \(base) weights (SHA-256 \(found.prefix(12))…) are not the ones this model was fine-tuned from "
                + "(\(expected.prefix(12))…); reinstall them with scripts/setup.sh or fine-tune again"
        case .damaged(let v):
            return "the model file's variable '\(v)' is damaged; fine-tune again or restore a copy"
        }
    }
}
