import ArgumentParser
import Foundation
import GenreKit

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict the genre of songs with a trained model (per song, optionally per window).")

    @Argument(help: "Model file from genrekit train.") var model: String
    @Argument(help: "Audio files or folders.") var inputs: [String]
    @Option(help: "Song-level aggregation: vote, mean, threshold or attention (default: the model's).") var aggregate: AggregationChoice?
    @Flag(help: "Also print each window's prediction.") var windows = false
    @Option(help: "Output format: table, json, jsonl (one object per file and line; errors as {\"path\", \"error\"}) or csv.")
    var format: BatchFormat = .table
    @Option(help: "Feature cache path (default ~/.cache/genrekit/features.sqlite).") var cache: String?

    @OptionGroup var decoding: DecodingOptions
    @OptionGroup var precisionOptions: PrecisionOptions

    func run() throws {
        decoding.apply()
        try reportingErrors {
            let m = try GenreModel.read(from: model)
            guard m.task == .classification else {
                throw ValidationError("\(model) is a tagger (several tags per song); tag songs with it: genrekit tag FILE... --model \(model)")
            }
            guard try !m.featureSource.isTable else {
                throw ValidationError("this model was trained on a feature table; use genrekit evaluate with --feature-table")
            }
            let runner = GenreModelRunner(model: m)
            let aggregation = try runner.aggregation(aggregate)
            let files = inputs.flatMap(Dataset.audioFiles(at:))
            let p = precisionOptions.effective()
            var c: Int8Calibration?
            if p == .int8, precisionOptions.calibrate != nil, let network = m.network {
                c = try precisionOptions.calibration(for: network.load(labels: m.labels), effective: p)
            }
            let extractor = try m.featureExtractor(cache: FeatureCache.open(at: cache), precision: p, int8Calibration: c)
            let bar = ProgressBar(total: files.count, label: "files")
            let output = PredictBatchOutput(model: m, runner: runner, aggregation: aggregation, format: format, windows: windows)
            // Each file's result is written as soon as it and the files before it are done.
            extractor.forEach(paths: files, progress: { done, _ in bar.update(done) }) { i, r in output.emit(files[i], r) }
            let failures = try output.finish()
            if failures > 0 { printError("\(failures) of \(files.count) files failed"); throw ExitCode(1) }
        }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
