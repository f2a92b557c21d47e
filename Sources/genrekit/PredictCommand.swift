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
            let extractor = try m.featureExtractor(cache: FeatureCache.open(at: cache))
            let bar = ProgressBarBox()
            let results = extractor.extract(paths: files) { bar.update($0.done, total: $0.total) }
            var json: [PredictionRecord] = []
            let lines = RecordWriter<PredictionRecord>(lines: true)
            var failures = 0
            if format == .csv { print("path," + (windows ? "window,start_s," : "") + "genre," + m.labels.map(csvField).joined(separator: ",")) }
            for (file, r) in zip(files, results) {
                guard case .success(let f) = r else {
                    if case .failure(let e) = r {
                        printError("error: \(e)")
                        if format == .jsonl { try lines.write(PredictionRecord(path: file, error: e)) } else { json.append(PredictionRecord(path: file, error: e)) }
                    }
                    failures += 1; continue
                }
                let item = ItemFeatures(id: file, label: -1, windows: f.windows.matrix.values, windowCount: f.windows.windowCount,
                                        song: f.song, windowStarts: f.windows.windowStarts)
                let song = runner.predictSong(item, aggregation: aggregation)
                let p = song.windows
                let attention = windows ? runner.attentionWeights(item) : nil
                let genre = m.labels[song.label]
                switch format {
                case .table:
                    let top = song.probabilities.indices.sorted { song.probabilities[$0] > song.probabilities[$1] }.prefix(3)
                    print("\(file): \(genre)  (" + top.map { "\(m.labels[$0]) \(String(format: "%.3f", song.probabilities[$0]))" }.joined(separator: ", ") + ")")
                    if windows {
                        for w in 0..<p.rows {
                            let a = attention.map { String(format: "  attention %.3f", $0[w]) } ?? ""
                            print(String(format: "  %7.2f s  %@", item.windowStarts[safe: w] ?? 0, m.labels[song.windowLabels[w]]) + a)
                        }
                    }
                case .csv:
                    print("\(csvField(file))," + (windows ? "song,," : "") + "\(csvField(genre))," + song.probabilities.map { String(format: "%.6f", $0) }.joined(separator: ","))
                    if windows {
                        for w in 0..<p.rows {
                            print("\(csvField(file)),\(w),\(item.windowStarts[safe: w] ?? 0),\(csvField(m.labels[song.windowLabels[w]]))," + p.row(w).map { String(format: "%.6f", $0) }.joined(separator: ","))
                        }
                    }
                case .json, .jsonl:
                    let record = PredictionRecord(path: file, labels: m.labels, probabilities: song.probabilities, label: song.label,
                                                  aggregation: aggregation, windows: windows ? (p, item.windowStarts) : nil, attention: attention)
                    if format == .jsonl { try lines.write(record) } else { json.append(record) }
                }
            }
            if format == .json {
                try printJSON(json)
            }
            if failures > 0 { printError("\(failures) of \(files.count) files failed"); throw ExitCode(1) }
        }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
