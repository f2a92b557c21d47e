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

        --task tagging trains a multi-label tagger instead (labels separated by ';' in the manifest): one logistic \
        probe per tag (--classifier logreg, C chosen by song-level mAP) or one network with a sigmoid output per tag \
        (--classifier mlp); per-tag thresholds maximise each tag's F1 on validation songs (--valid-fraction), else 0.5. \
        The model keeps --keep-rows training rows (float16) as default negatives for genrekit enroll.
        """)

    @Argument(help: "Dataset folder, manifest, or feature table.") var data: String
    @Option(help: "classification (one genre per song) or tagging (several tags per song).") var task: GenreModel.Task = .classification
    @Option(help: "Features: MODEL:layer[,layer...][@length=3,overlap=0,pool=mean,song=mean]; or mfcc, handcrafted (librosa-style descriptors per window); parts joined by + are concatenated (MSD_musicnn:max_pool+mfcc).") var features = "MSD_musicnn:max_pool"
    @Option(help: "Classifier: \(ClassifierChoice.allCases.map(\.rawValue).joined(separator: ", ")).") var classifier: ClassifierChoice = .auto
    @Option(help: "Train on windows (segment, as seed paper 003) or on song vectors (song).") var level: GenreModel.TrainingLevel = .segment
    @Option(help: "Cross-validation folds for model selection (1 = no search).") var folds = 5
    @Option(help: "Fraction of songs per class held out for testing when the data has no split (0: train on all).") var testFraction = 0.25
    @Option(help: "Fraction of the training songs held out to fit per-class thresholds (0 = none).") var validFraction = 0.0
    @Option(help: "Random seed (splits, folds, SVM probability calibration, MLP).") var seed: UInt64 = 0
    @Option(help: "Reduce features to N dimensions with PCA after standardisation.") var pca: Int?
    @Option(help: "Class weights: none or balanced.") var classWeight: ClassWeightOption = .none
    @Option(help: "Default song-level aggregation stored in the model: vote, mean or attention (trains an attention-pooling head on the songs).") var aggregate: StoredAggregationOption = .vote
    @OptionGroup var dataOptions: DataOptions
    @Option(name: .shortAndLong, help: "Output model file.") var out = "genres.gkmodel"
    @Option(help: "Tagging: training rows kept in the model as negatives for genrekit enroll (0: none).") var keepRows = StoredRows.defaultLimit

    func run() throws {
        try reportingErrors {
            let source: FeatureSource = dataOptions.featureTable
                ? .table(labelColumn: dataOptions.labelColumn) : .audio(try dataOptions.precisionOptions.apply(to: CombinedFeatureSpec(parsing: features)))
            var set = try dataOptions.load(data, spec: source.spec)
            try set.assignSplits(testFraction: testFraction, validFraction: validFraction, seed: seed)
            let train = set.subset(.train), valid = set.subset(.valid)
            if dataOptions.readsCatalog && level == .segment {
                printError("note: a catalog store holds song vectors, so training is at song level (--level song)")
            }
            let settings = TrainerSettings(choice: classifier, level: source.isTable || dataOptions.readsCatalog ? .song : level, folds: folds, seed: seed,
                                           pcaComponents: pca, classWeighting: classWeight.weighting)
            if task == .tagging { return try trainTagger(set, train: train, valid: valid, source: source, settings: settings) }
            if set.isMultiLabel {
                printError("note: some songs have several labels; classification uses each song's first label (use --task tagging to learn them all)")
            }
            var counts = [Int](repeating: 0, count: set.labels.count)
            for item in train { counts[item.label] += 1 }
            printError("training songs per class: " + zip(set.labels, counts).map { "\($0) \($1)" }.joined(separator: ", "))
            var trainer = Trainer(settings: settings)
            trainer.defaultAggregation = aggregate.aggregation
            var model = try trainer.train(train, validation: valid, labels: set.labels, source: source, log: printError)
            model.training.splitSeed = seed; model.training.testFraction = testFraction; model.training.validFraction = validFraction
            if let sel = model.training.modelSelection {
                print("model selection (\(sel.folds)-fold song-level \(sel.scoring.rawValue)):\n" + sel.formatted())
            }
            print("chosen: \(model.training.chosen)")
            try model.write(to: out)
            print("wrote \(out) (\(set.labels.count) classes, \(model.training.rows) training rows × \(model.training.dimensions) features)")
        }
    }

    private func trainTagger(_ set: FeatureSet, train: [ItemFeatures], valid: [ItemFeatures], source: FeatureSource,
                             settings: TrainerSettings) throws {
        var counts = [Int](repeating: 0, count: set.labels.count)
        for item in train { for l in item.labelSet { counts[l] += 1 } }
        printError("training songs per tag: " + zip(set.labels, counts).map { "\($0) \($1)" }.joined(separator: ", "))
        var trainer = TagTrainer(settings: settings)
        trainer.storedRowLimit = source.isTable ? 0 : keepRows
        var model = try trainer.train(train, validation: valid, labels: set.labels, source: source, log: printError)
        model.training.splitSeed = seed; model.training.testFraction = testFraction; model.training.validFraction = validFraction
        if let sel = model.training.modelSelection {
            print("model selection (\(sel.folds)-fold song-level mAP):\n" + sel.formatted())
        }
        print("chosen: \(model.training.chosen)")
        print("thresholds: " + zip(model.labels, model.tagThresholds).map { String(format: "%@ %.3f", $0, $1) }.joined(separator: ", "))
        try model.write(to: out)
        print("wrote \(out) (\(set.labels.count) tags, \(model.training.rows) training rows × \(model.training.dimensions) features, \(model.storedRows?.count ?? 0) rows kept for enroll)")
    }
}
