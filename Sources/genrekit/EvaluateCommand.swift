import ArgumentParser
import Foundation
import GenreKit

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a trained model on labelled data: segment- and song-level metrics and confusion matrices.")

    @Argument(help: "Model file from genrekit train.") var model: String
    @Argument(help: "Dataset folder, manifest, or feature table.") var data: String
    @Option(help: "Which songs: test, train, valid or all.") var split: SplitOption = .split(.test)
    @Option(help: "Song-level aggregation: vote, mean, threshold or attention (default: the model's).") var aggregate: AggregationChoice?
    @Option(help: "Also write the full report as JSON to this path.") var json: String?
    @Option(help: "Also write an HTML report with charts (confusion matrices, per-class bars, ROC and PR curves, misclassified songs) to this path.")
    var report: String?
    @Option(help: "Output format on standard output: table or json.") var format: OutputFormat = .table
    @OptionGroup var dataOptions: DataOptions

    func run() throws {
        try reportingErrors {
            let m = try GenreModel.read(from: model)
            let runner = GenreModelRunner(model: m)
            if m.task == .tagging, let aggregate, aggregate != .mean {
                throw ValidationError("a tagger's song scores are the mean of its window probabilities; drop --aggregate \(aggregate)")
            }
            let aggregation = m.task == .tagging ? .mean : try runner.aggregation(aggregate)
            if try dataOptions.readsCatalog && m.trainingLevel == .segment && !m.featureSource.isTable {
                throw ValidationError("a catalog store holds song vectors, and this model was trained on windows: evaluate it from the audio (a feature cache), or train with --level song")
            }
            var set = try dataOptions.load(data, spec: m.featureSource.spec, labelOrder: m.labels, model: m)
            if split.datasetSplit != nil {
                try set.assignSplits(testFraction: m.training.testFraction ?? 0.25, validFraction: m.training.validFraction ?? 0,
                                     seed: m.training.splitSeed ?? 0)
            }
            let items = set.subset(split.datasetSplit)
            guard !items.isEmpty else { throw ValidationError("no songs in split '\(split)'") }
            if m.task == .tagging {
                if report != nil { throw ValidationError("--report draws a genre model's evaluation; for a tagger use --json") }
                return try printTagging(runner.evaluateTags(items), model: m, songs: items.count)
            }
            let report = runner.evaluate(items, aggregation: aggregation)
            if let path = self.report {
                let page = EvaluationPage.html(report: report, outcomes: runner.outcomes(items, aggregation: aggregation), labels: m.labels,
                                               subtitle: "Model \(model) (\(m.training.chosen), features \(m.featureSpec)) on \(data): \(items.count) songs (\(split)).")
                try Data(page.utf8).write(to: URL(fileURLWithPath: path))
                FileHandle.standardError.write(Data("wrote \(path)\n".utf8))
            }
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try enc.encode(report)
            if let json { try data.write(to: URL(fileURLWithPath: json)) }
            if format == .json { print(String(decoding: data, as: UTF8.self)); return }
            print("model: \(model) (\(m.training.chosen), features \(m.featureSpec))")
            print("data: \(items.count) songs (\(split)), \(report.segment.sampleCount) windows\n")
            print("segment level (each window):\n" + report.segment.formatted() + "\n")
            print("song level (\(report.aggregation)):\n" + report.song.formatted())
        }
    }

    private func printTagging(_ report: TaggingReport, model m: GenreModel, songs: Int) throws {
        let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try enc.encode(report)
        if let json { try data.write(to: URL(fileURLWithPath: json)) }
        if format == .json { print(String(decoding: data, as: UTF8.self)); return }
        print("model: \(model) (tagger, \(m.training.chosen), features \(m.featureSpec))")
        print("data: \(songs) songs (\(split)), song scores = mean of window probabilities\n")
        print(report.song.formatted())
    }
}
