import ArgumentParser
import Foundation
import GenreKit

struct FewShotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fewshot",
        abstract: "Few-shot auto-tagging with linear probes (Ma & Lerch 2024): mean macro ROC-AUC and PR-AUC vs ways and shots.",
        discussion: """
        A song's labels are its tags. For every --ways N and --shots K and each of --episodes episodes (seeded): N tags \
        are drawn (all: every tag); K positive songs per tag are drawn from DATA (the support pool); each tag's binary \
        logistic-regression probe trains on the standardised song vectors of the episode's support set, the other \
        support songs being its negatives (K×(N−1) for single-label data). The probes score the query songs — every \
        DATA song not in the episode's support set, or with --test DATA2 every DATA2 song — and per-tag ROC-AUC and \
        PR-AUC are macro-averaged per episode. The table gives the mean over episodes with the half-width of a 95 % \
        confidence interval (Student's t, episodes − 1 degrees of freedom) and the PR-AUC of chance. Several \
        --features compare specifications on the same episodes. Features come from the cache (extracted once).
        """)

    @Argument(help: "Dataset folder or manifest (or a feature table with --feature-table): the support pool.") var data: String
    @Option(name: .customLong("features"), help: "A feature specification (repeat the option), e.g. MSD_musicnn:max_pool, random_musicnn:max_pool, mfcc, MSD_musicnn:max_pool+mfcc.")
    var specs: [String] = []
    @Option(help: "Tags per episode, comma-separated numbers or all.") var ways = "5"
    @Option(help: "Positive support songs per tag, comma-separated.") var shots = "1,5,10"
    @Option(help: "Episodes per (ways, shots) setting.") var episodes = 20
    @Option(help: "Random seed of the episodes.") var seed: UInt64 = 0
    @Option(help: "Inverse L2 regularisation strength of the logistic-regression probes.") var c = 1.0
    @Option(help: "Query songs: a separate dataset with the same tags (default: the pool songs outside each episode's support set).") var test: String?
    @Option(help: "Standard output format: table, csv or json.") var format: OutputFormat = .table
    @Option(help: "Also write the table: .csv, .json or .html.") var out: String?
    @OptionGroup var dataOptions: DataOptions

    func run() throws {
        try reportingErrors {
            guard !specs.isEmpty || dataOptions.featureTable else { throw ValidationError("give at least one --features (or --feature-table)") }
            guard dataOptions.splits == nil else {
                throw ValidationError("fewshot draws its own support sets; drop --splits and give a fixed query set with --test DATA2 instead")
            }
            let waysList = try ways.split(separator: ",").map { text -> FewShotWays in
                guard let w = FewShotWays(text: String(text)) else { throw FewShotError.unreadableWays(String(text)) }
                return w
            }
            let shotsList = try shots.split(separator: ",").map { text -> Int in
                guard let k = Int(text.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--shots '\(text)': give whole numbers, e.g. 1,5,10") }
                return k
            }
            let settings = waysList.flatMap { w in shotsList.map { FewShotSetting(ways: w, shots: $0) } }
            var inputs: [FewShotExperiment.Input] = []
            for text in dataOptions.featureTable ? [FeatureSource.table(labelColumn: dataOptions.labelColumn).key] : specs {
                let spec = dataOptions.featureTable ? nil : try CombinedFeatureSpec(parsing: text)
                if let spec { printError("features \(spec.key)") }
                let pool = try load(data, spec: spec, tagNames: nil)
                let testSongs = try test.map { try load($0, spec: spec, tagNames: pool.tagNames) }
                inputs.append(.init(features: text, pool: pool, test: testSongs))
            }
            var experiment = FewShotExperiment(settings: settings, episodes: episodes, seed: seed)
            experiment.c = c
            let first = inputs[0]
            printError("few-shot: \(first.pool.count) pool songs, \(first.pool.tagNames.count) tags"
                       + (first.test.map { ", \($0.count) test songs" } ?? ", queries from the pool")
                       + "; \(settings.count) settings × \(episodes) episodes × \(inputs.count) feature sets")
            let start = Date()
            let bar = ProgressBarBox()
            let rows = try experiment.run(inputs) { done, total in bar.update(done, total: total) }
            printError(String(format: "%d episodes in %.2f s", rows.reduce(0) { $0 + $1.episodes.count }, Date().timeIntervalSince(start)))
            if rows.contains(where: { $0.episodes.contains { $0.undefinedTags > 0 } }) {
                printError("note: some sampled tags had no query positive in some episodes and were left out of those episodes' means (see the JSON)")
            }
            switch format {
            case .table: print(FewShotTable.text(rows), terminator: "")
            case .csv: print(FewShotTable.csv(rows), terminator: "")
            case .json: print(String(decoding: try FewShotTable.json(rows), as: UTF8.self))
            }
            if let out {
                if out.hasSuffix(".json") {
                    try FewShotTable.json(rows).write(to: URL(fileURLWithPath: out))
                } else if out.hasSuffix(".html") {
                    try FewShotCharts.page(rows, title: "GenreKit few-shot tagging: \(data), \(episodes) episodes").write(toFile: out, atomically: true, encoding: .utf8)
                } else {
                    try FewShotTable.csv(rows).write(toFile: out, atomically: true, encoding: .utf8)
                }
                printError("table → \(out)")
            }
        }
    }

    /// Loads one dataset's songs with their tags, showing extraction progress and per-file errors.
    private func load(_ data: String, spec: CombinedFeatureSpec?, tagNames: [String]?) throws -> TaggedSongs {
        let extractor = try spec.map { try CombinedFeatureExtractor(spec: dataOptions.precisionOptions.apply(to: $0), cache: try dataOptions.featureCache()) }
        let bar = ProgressBarBox()
        let start = Date()
        let (songs, failures) = try TaggedSongs.load(dataOptions.source(data), extractor: extractor, tagNames: tagNames) { p in
            bar.update(p.done, total: p.total)
            if p.done == p.total {
                printError(String(format: "features: %d %@ (%d cached, %d computed, %d failed) in %.1f s", p.total,
                                  (spec?.isCombination ?? false) ? "part-files" : "files", p.cached, p.computed, p.failed, Date().timeIntervalSince(start)))
            }
        }
        for f in failures { printError("error: \(f.path): \(f.reason)") }
        return songs
    }
}
