import ArgumentParser
import Foundation

/// Output formats shared by the commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

/// Output formats of the commands that go through a batch of files (`tag`, `predict`, `info`): also `jsonl`, one
/// JSON object per file and line, written as each file is done.
enum BatchFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, jsonl, csv
}

/// The JSON encoder of every command: keys sorted; NaN and infinities written as the strings "nan", "inf" and
/// "-inf", so no value can make the output invalid.
func jsonEncoder(pretty: Bool = true) -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
}

/// Prints `value` as JSON on standard output (pretty-printed, keys sorted), as every command's `--format json`.
func printJSON<T: Encodable>(_ value: T) throws {
    print(String(decoding: try jsonEncoder().encode(value), as: UTF8.self))
}

/// Prints a line on standard output and flushes it, so a line that is printed is on its way even if the process is
/// killed right after.
func printLine(_ s: String) {
    print(s)
    fflush(nil)   // nil: every output stream (standard output among them)
}

/// Writes a batch's records to standard output one by one, as they are ready: `json` as one array (valid once
/// ``finish()`` closes it), `jsonl` as one compact object per line. Each record is flushed when written.
final class RecordWriter<Record: Encodable> {
    let lines: Bool
    private var written = 0
    private let encoder: JSONEncoder

    init(lines: Bool) {
        self.lines = lines
        encoder = jsonEncoder(pretty: !lines)
    }

    func write(_ record: Record) throws {
        let text = String(decoding: try encoder.encode(record), as: UTF8.self)
        if lines {
            printLine(text)
        } else {
            let indented = text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
            print(written == 0 ? "[\n" + indented : ",\n" + indented, terminator: "")
            fflush(nil)   // nil: every output stream (standard output among them)
        }
        written += 1
    }

    /// Closes a `json` array (an empty batch gives `[]`).
    func finish() {
        guard !lines else { return }
        printLine(written == 0 ? "[]" : "\n]")
    }
}

/// Writes a line to standard error (progress and diagnostics; standard output stays machine-readable).
func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// Quotes a CSV field when needed (RFC 4180).
func csvField(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}

/// Runs `body`, printing GenreKit errors as one line and exiting non-zero.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ExitCode { throw e } catch let e as CleanExit { throw e } catch {
        printError("error: \(error)"); throw ExitCode(1)
    }
}
