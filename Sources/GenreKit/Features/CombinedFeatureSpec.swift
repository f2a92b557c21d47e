import GenreKitDSP
import GenreKitModels
import GenreKitNN

/// Several ``FeatureSpec``s whose window (and song) vectors are concatenated: network layers of different
/// models and handcrafted descriptors side by side, as in Choi et al. 2017's "convnet features + MFCCs".
///
/// Text form (``key``, parsed by ``init(parsing:)``): the parts' texts joined by `+`,
///
///     SPEC[+SPEC…]        e.g.  MSD_musicnn:max_pool+mfcc
///                               MSD_musicnn:cnn1,cnn2+handcrafted:mfcc@song=mean+std
///
/// Each part keeps its own options (`@…` applies to the part it follows). A window vector is
/// `[v₁ ‖ v₂ ‖ … ‖ v_P]`, part `p` contributing its ``FeatureSpec/layers`` in order; a song vector is the
/// concatenation of the parts' song vectors (each pooled with its own ``FeatureSpec/songPooling``).
///
/// Rules: every part cuts the same windows (equal `length`, `overlap` and `pad`), so that window `i` of one part
/// is window `i` of the others; no part is repeated.
///
/// YAMNet parts (`yamnet:embedding`, `yamnet:scores`; 0.975-s windows every 0.48 s) are the exception: they are
/// pooled into the windows of the other parts (``windowPart``, e.g. musicnn's 3-s windows). Row `i` of a YAMNet
/// part is the mean of the YAMNet windows `j` whose centre lies in window `i`,
///
///     cⱼ = 0.48·j + 0.4875 s,    row i = mean { yⱼ : startᵢ ≤ cⱼ < startᵢ + lengthᵢ }
///
/// (a window holding no centre, possible only for windows shorter than 0.48 s, takes the YAMNet window whose centre
/// is nearest its own; see ``WindowFeatures/meanPooled(into:)``). Its song vector is its song pooling over all its
/// own YAMNet windows, as for the spec alone. When every part is YAMNet, the rows are YAMNet's windows. A single part is an ordinary spec: its ``key`` is that
/// spec's ``FeatureSpec/key`` unchanged, and each part is cached under its own ``FeatureSpec/windowKey``, so
/// caches written before combined specs existed stay valid and are shared with them.
public struct CombinedFeatureSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The parts, in concatenation order (at least one).
    public let parts: [FeatureSpec]

    /// Validates `parts` (each on its own, and together).
    /// - Throws: ``FeatureSpecError/malformed(_:reason:)`` for no parts or a repeated part,
    ///   ``FeatureSpecError/windowsDisagree(_:_:)`` when two parts cut different windows.
    public init(parts: [FeatureSpec]) throws {
        guard let first = parts.first(where: { !$0.isYAMNet }) ?? parts.first else {
            throw FeatureSpecError.malformed("", reason: "no feature specification given; e.g. MSD_musicnn:max_pool+mfcc")
        }
        for (i, p) in parts.enumerated() {
            try p.validate()
            if parts[..<i].contains(where: { $0.key == p.key }) {
                throw FeatureSpecError.malformed(parts.map(\.key).joined(separator: Self.separator),
                                                 reason: "part '\(p.key)' is listed twice; list each part once")
            }
            if p.isYAMNet { continue }
            if p.windowLength != first.windowLength || p.overlap != first.overlap || p.shortClipPolicy != first.shortClipPolicy {
                throw FeatureSpecError.windowsDisagree(first.key, p.key)
            }
        }
        self.parts = parts
    }

    /// A single spec as a combination of one.
    public init(_ spec: FeatureSpec) { parts = [spec] }

    /// The same features with every network part (musicnn, VGG, fine-tuned) run in `precision`, int8 with
    /// `int8Calibration` (nil: the default calibration, musicnn's timbral branches in int8; a calibration: every
    /// layer in int8, ``GenreKitModels/MusicnnModel/Int8Scope``); descriptors and YAMNet parts are unchanged.
    public func running(_ precision: InferencePrecision, int8Calibration: Int8Calibration? = nil) throws -> CombinedFeatureSpec {
        try CombinedFeatureSpec(parts: parts.map { p in
            guard !p.isHandcrafted && !p.isYAMNet else { return p }
            var q = p
            q.precision = precision
            q.int8Calibration = precision == .int8 ? int8Calibration : nil
            q.int8Scope = q.int8Calibration == nil ? .timbral : .allLayers
            return q
        })
    }

    /// The separator of parts in the text form.
    public static let separator = "+"

    /// True for more than one part.
    public var isCombination: Bool { parts.count > 1 }

    /// The part whose windows the rows are: the first part that is not YAMNet (YAMNet parts are pooled into its
    /// windows), or the first part when all are YAMNet.
    public var windowPart: FeatureSpec { parts.first { !$0.isYAMNet } ?? parts[0] }

    /// The single spec, when there is only one part.
    public var single: FeatureSpec? { parts.count == 1 ? parts[0] : nil }

    /// Canonical text: the parts' ``FeatureSpec/key``s joined by `+` (a single part's key unchanged).
    public var key: String { parts.map(\.key).joined(separator: Self.separator) }

    public var description: String { key }

    /// True when some part is a network (not the handcrafted descriptors).
    public var needsNetwork: Bool { parts.contains { !$0.isHandcrafted } }

    /// Parses `SPEC[+SPEC…]` (see the type's documentation); ``key`` parses back to an equal value.
    ///
    /// A `+` splits parts except inside the pooling name `mean+std` (a piece beginning with `std` continues the
    /// piece before it), so `MTT_musicnn:cnn1@pool=mean+std+mfcc` has two parts.
    /// - Throws: ``FeatureSpecError``: the part's own parsing error (naming the part), an empty part, or the
    ///   errors of ``init(parts:)``.
    public init(parsing text: String) throws {
        var pieces: [String] = []
        for piece in text.split(separator: Character(Self.separator), omittingEmptySubsequences: false).map(String.init) {
            let trimmed = piece.trimmingCharacters(in: .whitespaces)
            if let last = pieces.last, trimmed == "std" || trimmed.hasPrefix("std,") || trimmed.hasPrefix("std ") {
                pieces[pieces.count - 1] = last + Self.separator + piece
            } else {
                pieces.append(piece)
            }
        }
        if pieces.count > 1, let empty = pieces.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw FeatureSpecError.malformed(text, reason: "part \(empty + 1) is empty; join specifications with a single '+', e.g. MSD_musicnn:max_pool+mfcc")
        }
        try self.init(parts: pieces.map { try FeatureSpec(parsing: $0) })
    }
}
