import ArgumentParser
import Foundation
import GenreKit
import GenreKitCatalog

/// Options shared by train, evaluate and predict for reading data and features.
struct DataOptions: ParsableArguments {
    @Flag(help: "DATA is a CSV of precomputed features (id column, label column, numeric columns) instead of audio.")
    var featureTable = false
    @Option(help: "Id column of a feature table.") var idColumn = "id"
    @Option(help: "Label column of a feature table.") var labelColumn = "label"
    @Option(help: "Folder with split files (train.txt, valid.txt, test.txt: one relative path per line).") var splits: String?
    @Option(help: """
        Feature cache (SQLite) path; default ~/.cache/genrekit/features.sqlite (or $GENREKIT_CACHE). A catalog store \
        (sqlite:PATH, postgres://USER@HOST[:PORT]/DB, or a catalog's SQLite file) is read instead: its song vectors \
        (learning at song level).
        """) var cache: String?
    @Flag(help: "Do not read or write the feature cache.") var noCache = false
    @OptionGroup var precisionOptions: PrecisionOptions

    func source(_ data: String) -> FeatureSet.Source {
        var s = FeatureSet.Source(data: data)
        s.featureTable = featureTable; s.idColumn = idColumn; s.labelColumn = labelColumn; s.splitFiles = splits
        return s
    }

    /// The feature cache these options name (nil with --no-cache).
    func featureCache() throws -> FeatureCache? {
        noCache ? nil : try FeatureCache.open(at: cache)
    }

    /// Whether `--cache` names a catalog store (its song vectors are read instead of audio features).
    var readsCatalog: Bool { !noCache && cache.map(CatalogSongVectors.names) == true }

    /// The catalog store `--cache` names, else nil.
    func catalogVectors() throws -> CatalogSongVectors? {
        guard readsCatalog, let cache else { return nil }
        return try CatalogSongVectors.open(cache)
    }

    /// Loads DATA with features `spec` (ignored for feature tables), showing extraction progress.
    /// With `model`, its own extractor is used (a fine-tuned model's network lives in the model file).
    func load(_ data: String, spec: CombinedFeatureSpec?, labelOrder: [String]? = nil, model: GenreModel? = nil) throws -> FeatureSet {
        let catalog = featureTable || spec == nil ? nil : try catalogVectors()
        let storeName = catalog?.location
        var extractor: (any FeatureExtracting)?
        if !featureTable, let spec {
            if let catalog {
                extractor = StoredFeatureExtractor(spec: spec, store: catalog)
            } else if let model {
                // A model file's features in the asked precision (its own otherwise).
                let p = precisionOptions.effective()
                var c: Int8Calibration?
                if p == .int8, precisionOptions.calibrate != nil, let network = model.network {
                    c = try precisionOptions.calibration(for: network.load(labels: model.labels), effective: p)
                } else if p == .int8, precisionOptions.calibrate != nil,
                          let part = spec.parts.first(where: { !$0.isHandcrafted && !$0.isYAMNet }) {
                    c = try precisionOptions.calibration(for: PretrainedModel.load(part.model), effective: p)
                }
                extractor = try model.featureExtractor(cache: try featureCache(), precision: p, int8Calibration: c)
            } else {
                // A spec that names its precision keeps it; otherwise --precision applies.
                let s = spec.parts.contains { $0.precision != .fp32 } ? spec : try precisionOptions.apply(to: spec)
                extractor = try CombinedFeatureExtractor(spec: s, cache: try featureCache())
            }
        }
        let start = Date()
        let bar = ProgressBarBox()
        let set = try FeatureSet.load(source(data), extractor: extractor, labelOrder: labelOrder) { p in
            bar.update(p.done, total: p.total)
            if p.done == p.total {
                let s = Date().timeIntervalSince(start)
                if let storeName {
                    printError(String(format: "features: %d songs read from %@ (%d found, %d missing) in %.1f s", p.total,
                                      storeName, p.cached, p.failed, s))
                    return
                }
                printError(String(format: "features: %d %@ (%d cached, %d computed, %d failed) in %.1f s, %.1f files/s",
                                  p.total, (spec?.isCombination ?? false) ? "part-files" : "files", p.cached, p.computed, p.failed, s,
                                  Double(p.computed) / max(s, 1e-9)))
            }
        }
        for f in set.failures { printError("error: \(f.path): \(f.reason)") }
        return set
    }
}
