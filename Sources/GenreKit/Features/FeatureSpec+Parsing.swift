import GenreKitDSP
import GenreKitModels
import GenreKitNN

extension FeatureSpec {
    /// Option names accepted after `@` in the text form.
    public static let optionNames = ["length", "overlap", "pool", "song", "pad", "precision", "int8"]

    /// Parses `MODEL:LAYER[,LAYER…][@option=value,…]` (see ``FeatureSpec``) and validates it; ``key`` parses
    /// back to an equal spec. Spaces around names are ignored. `yamnet:…` takes only `song=` (its windows are fixed).
    /// - Throws: ``FeatureSpecError/malformed(_:reason:)`` for bad syntax, else the errors of validation.
    public init(parsing text: String) throws {
        func fail(_ reason: String) -> FeatureSpecError { .malformed(text, reason: reason) }
        let (head, optionText) = Self.cut(text, at: "@")
        var (modelPart, layerPart) = Self.cut(head, at: ":")
        // Shorthands for the handcrafted descriptors: `mfcc` and `handcrafted`.
        switch (modelPart.trimmingCharacters(in: .whitespaces), layerPart) {
        case ("mfcc", nil): modelPart = HandcraftedDescriptor.modelName; layerPart = "mfcc"
        case (HandcraftedDescriptor.modelName, nil): layerPart = "all"
        default: break
        }
        guard let layerPart else { throw fail("expected MODEL:LAYER[,LAYER…], e.g. MSD_musicnn:max_pool,penultimate (or mfcc, handcrafted)") }
        let model = modelPart.trimmingCharacters(in: .whitespaces)
        guard !model.isEmpty else { throw fail("no model name before ':'") }
        let layers = layerPart.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !layers.contains(where: \.isEmpty) else { throw fail("empty layer name") }

        var length = 3.0, overlap = 0.0
        var pool = TimePooling.mean, song = TimePooling.mean
        var pad = Patches.ShortClipPolicy.repeatPad
        var precision = InferencePrecision.fp32
        var int8Scope: MusicnnModel.Int8Scope?
        for option in (optionText ?? "").split(separator: ",") {
            let (rawName, rawValue) = Self.cut(String(option), at: "=")
            let name = rawName.trimmingCharacters(in: .whitespaces).lowercased()
            guard let value = rawValue?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                throw fail("option '\(rawName)' needs a value (name=value)")
            }
            func number() throws -> Double {
                guard let x = Double(value) else { throw fail("\(name)=\(value) is not a number of seconds") }
                return x
            }
            func pooling() throws -> TimePooling {
                guard let p = TimePooling(rawValue: value) else {
                    throw fail("\(name)=\(value): use \(TimePooling.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return p
            }
            if model == Self.yamnetModel && !Self.yamnetOptionNames.contains(name) {
                throw fail("YAMNet's windows are fixed (0.975 s every 0.48 s), so '\(name)' does not apply; only song= may follow yamnet (in a combined spec YAMNet's windows are mean-pooled into the other parts' windows: set length/overlap there)")
            }
            switch name {
            case "length": length = try number()
            case "overlap": overlap = try number()
            case "pool": pool = try pooling()
            case "song": song = try pooling()
            case "pad":
                guard let p = Patches.ShortClipPolicy(rawValue: value) else { throw fail("pad=\(value): use repeatPad, zeroPad or drop") }
                pad = p
            case "precision":
                guard let p = InferencePrecision(rawValue: value.lowercased()) else { throw fail("precision=\(value): use fp32, bf16 or int8") }
                precision = p
            case "int8":
                guard let scope = MusicnnModel.Int8Scope(keyName: value.lowercased()) else {
                    throw fail("int8=\(value): use timbral (the timbral convolutions in int8, the rest in bf16; the default) or all (every layer in int8)")
                }
                int8Scope = scope
            case "calibration":
                throw fail("calibration=\(value) names int8 scales measured on your audio; pass --calibrate DIR instead of writing it")
            default:
                throw fail("unknown option '\(name)'; options are \(Self.optionNames.joined(separator: ", "))")
            }
        }
        try self.init(model: model, layers: layers, windowLength: length, overlap: overlap,
                      windowPooling: pool, songPooling: song, shortClipPolicy: pad)
        self.precision = precision
        if let int8Scope {
            guard hasInt8Scope else { throw fail("int8=\(int8Scope.keyName) applies to a musicnn network with precision=int8") }
            self.int8Scope = int8Scope
        }
    }

    /// Splits at the first `separator`: (before, after) or (text, nil).
    private static func cut(_ text: String, at separator: Character) -> (String, String?) {
        guard let i = text.firstIndex(of: separator) else { return (text, nil) }
        return (String(text[..<i]), String(text[text.index(after: i)...]))
    }
}

/// Why a feature spec is not usable.
public enum FeatureSpecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text does not follow `MODEL:LAYER[,LAYER…][@option=value,…]`.
    case malformed(String, reason: String)
    case unknownModel(String, known: [String])
    case unknownLayer(String, model: String, known: [String])
    case noLayers(model: String, known: [String])
    case repeatedLayer(String)
    /// Window length, overlap or model/window combination out of range.
    case invalidWindow(String)
    /// Two parts of a ``CombinedFeatureSpec`` cut different windows (their keys).
    case windowsDisagree(String, String)

    public var description: String {
        switch self {
        case .malformed(let t, let r): return "feature spec '\(t)': \(r)"
        case .unknownModel(let m, let known): return "unknown model '\(m)'; choose from \(known.joined(separator: ", "))"
        case .unknownLayer(let l, let m, let known): return "\(m) has no layer '\(l)'; choose from \(known.joined(separator: ", "))"
        case .noLayers(let m, let known): return "no layer given for \(m); choose one or more of \(known.joined(separator: ", "))"
        case .repeatedLayer(let l): return "layer '\(l)' is listed twice; list each layer once"
        case .invalidWindow(let r): return "invalid window: \(r)"
        case .windowsDisagree(let a, let b):
            return "the parts of a combined spec must cut the same windows, but '\(a)' and '\(b)' differ; give every part the same @length, overlap and pad"
        }
    }
}
