import ArgumentParser
import Foundation
import GenreKit

/// What `genrekit tag` writes for each file, in the chosen format, as the results come in (one call at a time,
/// in input order), and what it writes once the batch is over (the end of a JSON document, the report).
final class TagBatchOutput: @unchecked Sendable {
    let command: TagCommand
    let fileCount: Int
    private let writer: RecordWriter<TagRecord>?
    private var failed: [(path: String, message: String)] = []
    private var tagged: [FileAnalysis] = []
    private var firstError: Error?

    init(command: TagCommand, fileCount: Int) {
        self.command = command
        self.fileCount = fileCount
        writer = command.format == .json || command.format == .jsonl ? RecordWriter(lines: command.format == .jsonl) : nil
        if command.format == .csv { printLine("path,rank,tag,score") }
    }

    /// Writes one file's result.
    func emit(_ file: String, _ result: Result<FileAnalysis, Error>) {
        do {
            switch result {
            case .failure(let error):
                failed.append((file, "\(error)"))
                printError("error: \(error)")
                try writer?.write(TagRecord(path: file, error: error))
            case .success(let a):
                try write(a, file: file)
            }
        } catch {
            if firstError == nil { firstError = error }
        }
    }

    private func write(_ a: FileAnalysis, file: String) throws {
        if command.report != nil { tagged.append(a) }
        let top = a.topTags(command.top)
        switch command.format {
        case .table:
            let decided = a.thresholds == nil ? "" : "  → tags: " + (a.decidedTags.isEmpty ? "none" : a.decidedTags.map(\.tag).joined(separator: ", "))
            printLine("\(a.path) (\(String(format: "%.1f", a.source.duration)) s, \(a.taggram.shape[0]) windows\(a.padded ? ", padded" : "")): "
                      + top.map { "\($0.tag) \(String(format: "%.3f", $0.score))" }.joined(separator: ", ") + decided)
        case .csv:
            printLine(top.enumerated().map { i, t in "\(csvField(a.path)),\(i + 1),\(csvField(t.tag)),\(String(format: "%.6f", t.score))" }
                .joined(separator: "\n"))
        case .json, .jsonl:
            try writer?.write(TagRecord(a, model: command.model, top: command.top))
        }
        if let taggram = command.taggram {
            let out = fileCount == 1 ? taggram : TagCommand.suffixed(taggram, with: (file as NSString).lastPathComponent)
            try TaggramPicture.svg(a).write(toFile: out, atomically: true, encoding: .utf8)
            printError("\(file): taggram → \(out)")
        }
    }

    /// Closes the output; exit status 1 when a file failed.
    func finish() throws {
        writer?.finish()
        if let firstError { throw firstError }
        if let report = command.report {
            let page = TagBatchPage.html(analyses: tagged, failures: failed, top: command.top, model: command.model)
            try page.write(toFile: report, atomically: true, encoding: .utf8)
            printError("report → \(report)")
        }
        if !failed.isEmpty { printError("\(failed.count) of \(fileCount) files failed"); throw ExitCode(1) }
    }
}
