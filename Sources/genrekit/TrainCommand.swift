import ArgumentParser
import Foundation
import GenreKit

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a genre classifier on labelled songs from pre-trained network features.",
        discussion: """
        DATA is a folder ROOT/<genre>/<file> (GTZAN layout), a manifest CSV/TSV (path,label[,split]), or with \
        --feature-table a CSV of precomputed features. Songs in the data's 'train' split are used; without splits a \
        seeded stratified hold-out (--test-fraction, --seed) is made and `genrekit evaluate` reproduces it. The \
        classifier's parameters are chosen by song-grouped stratified cross-validation on the training songs.
        """)

    @Argument(help: "Dataset folder, manifest, or feature table.") var data: String
    @Option(help: "Features: MODEL:layer[,layer...][@length=3,overlap=0,pool=mean,song=mean]; or mfcc, handcrafted (librosa-style descriptors per window); parts joined by + are concatenated (MSD_musicnn:max_pool+mfcc).") var features = "MSD_musicnn:max_pool"
    @Option(help: "Classifier: \(ClassifierChoice.allCases.map(\.rawValue).joined(separator: ", ")).") var classifier: ClassifierChoice = .auto
    @Option(help: "Train on windows (segment, as seed paper 003) or on song vectors (song).") var level: GenreModel.TrainingLevel = .segment
    @Option(help: "Cross-validation folds for model selection (1 = no search).") var folds = 5
    @Option(help: "Fraction of songs per class held out for testing when the data has no split (0: train on all).") var testFraction = 0.25
    @Option(help: "Fraction of the training songs held out to fit per-class thresholds (0 = none).") var validFraction = 0.0
    @Option(help: "Random seed (splits, folds, SVM probability calibration, MLP).") var seed: UInt64 = 0
    @Option(help: "Reduce features to N dimensions with PCA after standardisation.") var pca: Int?
    @Option(help: "Class weights: none or balanced.") var classWeight = "none"
    @Option(help: "Default song-level aggregation stored in the model: vote or mean.") var aggregate = "vote"
    @OptionGroup var dataOptions: DataOptions
    @Option(name: .shortAndLong, help: "Output model file.") var out = "genres.gkmodel"

    func run() throws {
        try reportingErrors {
            let spec = dataOptions.featureTable ? nil : try CombinedFeatureSpec(parsing: features)
            var set = try dataOptions.load(data, spec: spec)
            try set.assignSplits(testFraction: testFraction, validFraction: validFraction, seed: seed)
            let train = set.subset(.train), valid = set.subset(.valid)
            var counts = [Int](repeating: 0, count: set.labels.count)
            for item in train { counts[item.label] += 1 }
            printError("training songs per class: " + zip(set.labels, counts).map { "\($0) \($1)" }.joined(separator: ", "))
            var trainer = Trainer()
            trainer.choice = classifier; trainer.level = dataOptions.featureTable ? .song : level
            trainer.folds = folds; trainer.seed = seed; trainer.pcaComponents = pca
            trainer.classWeighting = classWeight == "balanced" ? .balanced : .none
            trainer.defaultAggregation = aggregate == "mean" ? .mean : .vote
            var model = try trainer.train(train, validation: valid, labels: set.labels,
                                          featureSpec: spec?.key ?? "table:\(dataOptions.labelColumn)", log: printError)
            model.training.splitSeed = seed; model.training.testFraction = testFraction; model.training.validFraction = validFraction
            if let sel = model.training.modelSelection {
                print("model selection (\(sel.folds)-fold song-level \(sel.scoring.rawValue)):\n" + sel.formatted())
            }
            print("chosen: \(model.training.chosen)")
            try model.write(to: out)
            print("wrote \(out) (\(set.labels.count) classes, \(model.training.rows) training rows × \(model.training.dimensions) features)")
        }
    }
}
