import Foundation
import GenreKitDSP
import GenreKitModels
import GenreKitNN

/// Which features transfer learning uses: a pre-trained model, the layers to concatenate, the windowing, and how
/// window vectors are pooled (within a window over time, then over the windows of a song).
///
/// Text form (``key``, parsed by ``init(parsing:)``):
///
///     MODEL:LAYER[,LAYER…][@length=S,overlap=S,pool=P,song=P,pad=POLICY]
///
/// e.g. `MSD_musicnn:max_pool,penultimate` or `MTT_musicnn:penultimate@length=3,overlap=1,pool=mean,song=mean+std`.
/// Omitted options take the defaults: 3-s windows, no overlap, `pool=mean`, `song=mean`, `pad=repeatPad`,
/// `precision=fp32`. A network run in bf16 or int8 (``precision``) gives other features than fp32, so the
/// precision, and for a musicnn network in int8 the layers that run in int8 (`int8=timbral` or `int8=all`,
/// ``int8Scope``) and a calibration of the user's own (`calibration=` a hash of its scales), are part of the key:
/// features of different precisions never mix in the cache.
///
/// `yamnet:embedding` and `yamnet:scores` (``isYAMNet``) are YAMNet's 1024-d embedding and 521 AudioSet class
/// scores per YAMNet window: 0.975 s every 0.48 s, fixed by the network, so only `song=` may follow `@` and
/// ``windowLength``/``overlap`` hold YAMNet's window and hop. Alone, a YAMNet spec's rows are YAMNet's windows; in a
/// ``CombinedFeatureSpec`` they are mean-pooled into the other parts' windows (see there).
public struct FeatureSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Published model name (`MSD_musicnn`, `MTT_musicnn`, `MSD_musicnn_big`, `MTT_vgg`, `MSD_vgg`).
    public var model: String
    /// Layers (``GenreKitModels/ModelArchitecture/featureNames``) concatenated in this order into a window vector.
    public var layers: [String]
    /// Window length in seconds (3 s is what the models were trained on; VGG models need 3).
    public var windowLength: Double
    /// musicnn's `input_overlap`: the hop between window starts in seconds; 0 for back-to-back windows.
    public var overlap: Double
    /// Pooling of a layer's time axis inside one window (layers without one, like `max_pool`, are unaffected).
    public var windowPooling: TimePooling
    /// Pooling of the window vectors of one song into a song vector (applied on read, not stored in the cache).
    public var songPooling: TimePooling
    /// What happens to a clip shorter than one window.
    public var shortClipPolicy: Patches.ShortClipPolicy
    /// The number format the network runs in (``GenreKitNN/InferencePrecision``); fp32 unless asked.
    public var precision: InferencePrecision = .fp32
    /// int8 only: activation scales calibrated on the user's audio (`--calibrate DIR`); nil for the default
    /// calibration (``GenreKitModels/Int8Calibration``).
    public var int8Calibration: Int8Calibration?
    /// int8 on a musicnn network only: which layers run in int8 (``GenreKitModels/MusicnnModel/Int8Scope``): the
    /// timbral branches unless a calibration is given (``CombinedFeatureSpec/running(_:int8Calibration:)``); model
    /// files written before the choice existed decode as ``GenreKitModels/MusicnnModel/Int8Scope/allLayers``, what
    /// they were made with.
    public var int8Scope: MusicnnModel.Int8Scope = .timbral

    /// Whether ``int8Scope`` applies: int8 on a musicnn network (published, fine-tuned from one, or random).
    public var hasInt8Scope: Bool {
        guard precision == .int8, !isHandcrafted, !isYAMNet else { return false }
        if model == RandomMusicnnWeights.modelName { return true }
        let arch = ModelArchitecture.named(model) ?? ModelArchitecture.fineTunedBase(of: model).flatMap(ModelArchitecture.named)
        return arch?.kind == .musicnn
    }

    /// A validated spec. For `yamnet` the window arguments are ignored: its window is YAMNet's own
    /// (``yamnetWindowSeconds`` every ``yamnetHopSeconds``, mean pooling, zero padding).
    /// - Throws: ``FeatureSpecError`` for an unknown model or layer, no or repeated layers, or an invalid window.
    public init(model: String, layers: [String], windowLength: Double = 3, overlap: Double = 0,
                windowPooling: TimePooling = .mean, songPooling: TimePooling = .mean,
                shortClipPolicy: Patches.ShortClipPolicy = .repeatPad) throws {
        self.model = model
        self.layers = layers
        self.windowLength = windowLength
        self.overlap = overlap
        self.windowPooling = windowPooling
        self.songPooling = songPooling
        self.shortClipPolicy = shortClipPolicy
        if model == Self.yamnetModel {
            self.windowLength = Self.yamnetWindowSeconds
            self.overlap = Self.yamnetHopSeconds
            self.windowPooling = .mean
            self.shortClipPolicy = .repeatPad
        }
        try validate()
    }

    /// The pseudo-layer of the network's output scores (the taggram; a fine-tuned network's class probabilities).
    public static let outputLayer = "taggram"

    /// The model's architecture, when the name is known.
    public var architecture: ModelArchitecture? { ModelArchitecture.named(model) }

    /// Checks the model, layers and window against the published models.
    /// True for the `handcrafted` pseudo-model (``HandcraftedDescriptor``), which needs no network.
    public var isHandcrafted: Bool { model == HandcraftedDescriptor.modelName }

    public func validate() throws {
        let known: [String]
        if isHandcrafted {
            known = HandcraftedDescriptor.layerNames
        } else if isYAMNet {
            known = Self.yamnetLayers
        } else if let arch = ModelArchitecture.named(model)
                    ?? ModelArchitecture.fineTunedBase(of: model).flatMap(ModelArchitecture.named) {
            known = arch.featureNames + [FeatureSpec.outputLayer]
        } else {
            throw FeatureSpecError.unknownModel(model, known: ModelArchitecture.all.map(\.name) + [RandomMusicnnWeights.modelName, Self.yamnetModel, HandcraftedDescriptor.modelName])
        }
        guard !layers.isEmpty else { throw FeatureSpecError.noLayers(model: model, known: known) }
        for (i, layer) in layers.enumerated() {
            guard known.contains(layer) else {
                throw FeatureSpecError.unknownLayer(layer, model: model, known: known)
            }
            if layers[..<i].contains(layer) { throw FeatureSpecError.repeatedLayer(layer) }
        }
        if isYAMNet {
            guard windowLength == Self.yamnetWindowSeconds, overlap == Self.yamnetHopSeconds, windowPooling == .mean,
                  shortClipPolicy == .repeatPad else {
                throw FeatureSpecError.invalidWindow("YAMNet's windows are fixed (\(Self.yamnetWindowSeconds) s every \(Self.yamnetHopSeconds) s, mean pooling); leave them as FeatureSpec(model: \"yamnet\", …) sets them")
            }
            return
        }
        let arch = ModelArchitecture.named(model) ?? ModelArchitecture.fineTunedBase(of: model).flatMap(ModelArchitecture.named)
        guard windowLength.isFinite && windowLength > 0 else {
            throw FeatureSpecError.invalidWindow("window length \(windowLength) s must be positive (3 s is what the models were trained on)")
        }
        guard overlap.isFinite && overlap >= 0 else {
            throw FeatureSpecError.invalidWindow("overlap \(overlap) s must be 0 (no overlap) or positive")
        }
        if arch?.kind == .vgg && windowLength != 3 {
            throw FeatureSpecError.invalidWindow("the VGG models take 3-s windows only (got \(Self.format(windowLength)) s)")
        }
        do { _ = try patches() } catch { throw FeatureSpecError.invalidWindow("\(error)") }
    }

    /// The windows these settings cut (musicnn's frame arithmetic).
    /// - Throws: ``FeatureSpecError/invalidWindow(_:)`` for a YAMNet spec (its windows are not musicnn patches).
    public func patches() throws -> Patches {
        if isYAMNet { throw FeatureSpecError.invalidWindow("YAMNet's windows are not musicnn patches") }
        return try Patches.musicnn(length: windowLength, overlap: overlap > 0 ? overlap : nil, shortClipPolicy: shortClipPolicy)
    }

    /// Canonical text of everything, all options spelled out: equal specs have equal keys.
    public var key: String { windowKey(extra: "song=\(songPooling.rawValue)") }

    /// Canonical text of what determines the per-window features (``key`` without the song pooling): the
    /// cache key, so that changing the song pooling reuses cached windows. For YAMNet it names the model file's
    /// SHA-256 instead of window options (`yamnet:embedding@sha256=687f…`): one row per YAMNet window, whatever
    /// windows a combined spec later pools them into.
    public var windowKey: String {
        isYAMNet ? "\(model):\(layers.joined(separator: ","))@sha256=\(YAMNetModel.sha256)" : windowKey(extra: nil)
    }

    public var description: String { key }

    private func windowKey(extra: String?) -> String {
        if isYAMNet { return "\(model):\(layers.joined(separator: ","))" + (extra.map { "@" + $0 } ?? "") }
        var options = ["length=\(Self.format(windowLength))", "overlap=\(Self.format(overlap))", "pool=\(windowPooling.rawValue)"]
        if let extra { options.append(extra) }
        if shortClipPolicy != .repeatPad { options.append("pad=\(shortClipPolicy.rawValue)") }
        if precision != .fp32 { options.append("precision=\(precision.rawValue)") }
        if hasInt8Scope { options.append("int8=\(int8Scope.keyName)") }
        if precision == .int8, let c = int8Calibration { options.append("calibration=\(Self.calibrationID(c))") }
        return "\(model):\(layers.joined(separator: ","))@\(options.joined(separator: ","))"
    }

    /// A short stable name of a calibration: 8 hex digits of the FNV-1a hash of its scales' bits.
    public static func calibrationID(_ c: Int8Calibration) -> String {
        var h: UInt32 = 2_166_136_261
        for v in [c.frontend, c.mid1 ?? 0, c.mid2 ?? 0, c.mid3 ?? 0, c.dense1 ?? 0, c.dense2 ?? 0] {
            for byte in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) { h = (h ^ UInt32(byte)) &* 16_777_619 }
        }
        return String(format: "%08x", h)
    }

    /// Integral values without a decimal point, others in Swift's shortest round-trip form.
    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
    }
}

extension FeatureSpec {
    private enum CodingKeys: String, CodingKey {
        case model, layers, windowLength, overlap, windowPooling, songPooling, shortClipPolicy, precision, int8Calibration, int8Scope
    }

    /// Model files written before ``precision`` existed decode as fp32, before ``int8Scope`` existed as
    /// ``GenreKitModels/MusicnnModel/Int8Scope/allLayers``.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        layers = try c.decode([String].self, forKey: .layers)
        windowLength = try c.decode(Double.self, forKey: .windowLength)
        overlap = try c.decode(Double.self, forKey: .overlap)
        windowPooling = try c.decode(TimePooling.self, forKey: .windowPooling)
        songPooling = try c.decode(TimePooling.self, forKey: .songPooling)
        shortClipPolicy = try c.decode(Patches.ShortClipPolicy.self, forKey: .shortClipPolicy)
        precision = try c.decodeIfPresent(InferencePrecision.self, forKey: .precision) ?? .fp32
        int8Calibration = try c.decodeIfPresent(Int8Calibration.self, forKey: .int8Calibration)
        int8Scope = .timbral
        if let scope = try c.decodeIfPresent(MusicnnModel.Int8Scope.self, forKey: .int8Scope) {
            int8Scope = scope
        } else if hasInt8Scope {
            int8Scope = .allLayers
        }
    }

    /// fp32 specs encode as before (no `precision` key).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(layers, forKey: .layers)
        try c.encode(windowLength, forKey: .windowLength)
        try c.encode(overlap, forKey: .overlap)
        try c.encode(windowPooling, forKey: .windowPooling)
        try c.encode(songPooling, forKey: .songPooling)
        try c.encode(shortClipPolicy, forKey: .shortClipPolicy)
        if precision != .fp32 { try c.encode(precision, forKey: .precision) }
        try c.encodeIfPresent(int8Calibration, forKey: .int8Calibration)
        if hasInt8Scope { try c.encode(int8Scope, forKey: .int8Scope) }
    }
}

extension MusicnnModel.Int8Scope {
    /// The value of `int8=` in a feature spec's text form.
    public var keyName: String {
        switch self {
        case .timbral: return "timbral"
        case .allLayers: return "all"
        }
    }

    /// The scope named `keyName` (``keyName``), nil for another name.
    public init?(keyName: String) {
        guard let s = Self.allCases.first(where: { $0.keyName == keyName }) else { return nil }
        self = s
    }
}
