import ArgumentParser
import Foundation
import GenreKit

struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Compare feature specifications with one classifier on the same song-level folds (Choi et al. 2017).",
        discussion: """
        Each --features is extracted (cached), then every fold trains the same classifier on the other folds' songs \
        and scores the held-out songs. The table gives mean ± std over folds of accuracy, macro F1, macro ROC-AUC \
        and PR-AUC (song level, --aggregate vote by default). With --test DATA2 there are no folds: each \
        specification trains once on all of DATA and is scored on DATA2 (e.g. one recording family → another); \
        the table has the same columns, with a single value (± 0) per cell.
        """)

    @Argument(help: "Dataset folder or manifest.") var data: String
    @Option(name: .customLong("features"), help: "A feature specification (repeat the option), e.g. MSD_musicnn:max_pool, random_musicnn:max_pool, mfcc, handcrafted.")
    var specs: [String] = []
    @Option(help: "Classifier: \(ClassifierChoice.allCases.map(\.rawValue).joined(separator: ", ")).") var classifier: ClassifierChoice = .logreg
    @Option(help: "Outer folds (songs per class must be at least this).") var folds = 5
    @Option(help: "Held-out test data (folder or manifest, same labels): train on DATA, score on this instead of folds.") var test: String?
    @Option(help: "Inner model-selection folds on each training part (1 = the classifier's defaults).") var innerFolds = 1
    @Option(help: "Train on windows (segment) or song vectors (song).") var level: GenreModel.TrainingLevel = .segment
    @Option(help: "Song-level aggregation: vote or mean.") var aggregate: StoredAggregationOption = .vote
    @Option(help: "Random seed for the folds.") var seed: UInt64 = 0
    @Option(help: "Also write the table: .csv, .json or .html.") var out: String?
    @OptionGroup var dataOptions: DataOptions

    func run() throws {
        try reportingErrors {
            guard !specs.isEmpty else { throw ValidationError("give at least one --features") }
            var sets: [(spec: String, set: FeatureSet)] = [], testSets: [(spec: String, set: FeatureSet)] = []
            for text in specs {
                let spec = try CombinedFeatureSpec(parsing: text)
                printError("features \(spec.key)")
                let set = try dataOptions.load(data, spec: spec)
                sets.append((text, set))   // shown as typed
                if let test { testSets.append((text, try dataOptions.load(test, spec: spec, labelOrder: set.labels))) }
            }
            if dataOptions.readsCatalog && level == .segment {
                printError("note: a catalog store holds song vectors, so the study is at song level (--level song)")
            }
            var trainer = Trainer(settings: TrainerSettings(choice: classifier, level: dataOptions.readsCatalog ? .song : level,
                                                            folds: innerFolds, seed: seed))
            trainer.defaultAggregation = aggregate.aggregation
            let study = FeatureStudy(trainer: trainer, folds: folds, seed: seed)
            let rows = test == nil ? try study.run(sets, log: printError) : try study.runHeldOut(train: sets, test: testSets, log: printError)
            print(FeatureStudy.table(rows), terminator: "")
            if let out {
                if out.hasSuffix(".json") {
                    let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                    enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                    try enc.encode(rows).write(to: URL(fileURLWithPath: out))
                } else if out.hasSuffix(".html") {
                    try StudyCharts.page(rows, title: "GenreKit feature study: \(classifier.rawValue), " + (test.map { "trained on \(data), tested on \($0)" } ?? "\(folds) folds")).write(toFile: out, atomically: true, encoding: .utf8)
                } else {
                    try FeatureStudy.csv(rows).write(toFile: out, atomically: true, encoding: .utf8)
                }
                printError("table → \(out)")
            }
        }
    }
}
