import Foundation
import GenreKit

/// What `genrekit predict` writes for each file, in the chosen format, as the results come in (one call at a time,
/// in input order): a table or CSV line, a JSON array element, or a JSON line; a failed file as an error record.
final class PredictBatchOutput: @unchecked Sendable {
    let model: GenreModel
    let runner: GenreModelRunner
    let aggregation: SongAggregation
    let format: BatchFormat
    let windows: Bool
    private let writer: RecordWriter<PredictionRecord>?
    private var failures = 0
    private var firstError: Error?

    init(model: GenreModel, runner: GenreModelRunner, aggregation: SongAggregation, format: BatchFormat, windows: Bool) {
        self.model = model; self.runner = runner; self.aggregation = aggregation; self.format = format; self.windows = windows
        writer = format == .json || format == .jsonl ? RecordWriter(lines: format == .jsonl) : nil
        if format == .csv {
            printLine("path," + (windows ? "window,start_s," : "") + "genre," + model.labels.map(csvField).joined(separator: ","))
        }
    }

    /// Writes one file's result.
    func emit(_ file: String, _ result: Result<ExtractedFeatures, Error>) {
        do {
            switch result {
            case .failure(let e):
                failures += 1
                printError("error: \(e)")
                try writer?.write(PredictionRecord(path: file, error: e))
            case .success(let f):
                try write(f, file: file)
            }
        } catch {
            if firstError == nil { firstError = error }
        }
    }

    private func write(_ f: ExtractedFeatures, file: String) throws {
        let labels = model.labels
        let item = ItemFeatures(id: file, label: -1, windows: f.windows.matrix.values, windowCount: f.windows.windowCount,
                                song: f.song, windowStarts: f.windows.windowStarts)
        let song = runner.predictSong(item, aggregation: aggregation)
        let p = song.windows
        let attention = windows ? runner.attentionWeights(item) : nil
        let genre = labels[song.label]
        switch format {
        case .table:
            let top = song.probabilities.indices.sorted { song.probabilities[$0] > song.probabilities[$1] }.prefix(3)
            var lines = ["\(file): \(genre)  (" + top.map { "\(labels[$0]) \(String(format: "%.3f", song.probabilities[$0]))" }.joined(separator: ", ") + ")"]
            if windows {
                for w in 0..<p.rows {
                    let a = attention.map { String(format: "  attention %.3f", $0[w]) } ?? ""
                    lines.append(String(format: "  %7.2f s  %@", item.windowStarts[safe: w] ?? 0, labels[song.windowLabels[w]]) + a)
                }
            }
            printLine(lines.joined(separator: "\n"))
        case .csv:
            var lines = ["\(csvField(file))," + (windows ? "song,," : "") + "\(csvField(genre))," + song.probabilities.map { String(format: "%.6f", $0) }.joined(separator: ",")]
            if windows {
                for w in 0..<p.rows {
                    lines.append("\(csvField(file)),\(w),\(item.windowStarts[safe: w] ?? 0),\(csvField(labels[song.windowLabels[w]])),"
                                 + p.row(w).map { String(format: "%.6f", $0) }.joined(separator: ","))
                }
            }
            printLine(lines.joined(separator: "\n"))
        case .json, .jsonl:
            try writer?.write(PredictionRecord(path: file, labels: labels, probabilities: song.probabilities, label: song.label,
                                               aggregation: aggregation, windows: windows ? (p, item.windowStarts) : nil, attention: attention))
        }
    }

    /// Closes the output; returns the number of files that failed.
    func finish() throws -> Int {
        writer?.finish()
        if let firstError { throw firstError }
        return failures
    }
}
