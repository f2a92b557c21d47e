import Foundation

/// A small RFC 4180 reader for CSV and TSV text (manifests, feature tables).
///
/// Fields are separated by `delimiter`; a field may be enclosed in double quotes, inside which the delimiter,
/// line breaks and doubled quotes (`""` → `"`) are literal. Records end at LF, CRLF or CR; blank lines are
/// skipped; a leading UTF-8 byte-order mark is ignored. Unquoted fields are kept as written (no trimming).
struct DelimitedText {
    /// Why the text could not be split into records.
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// A quoted field is not closed before the end of the text.
        case unterminatedQuote(line: Int)
        /// Text follows a closing quote before the next delimiter or line end.
        case textAfterQuote(line: Int)

        var line: Int {
            switch self { case .unterminatedQuote(let l), .textAfterQuote(let l): return l }
        }

        var description: String {
            switch self {
            case .unterminatedQuote: return "a quoted field is never closed (missing \")"
            case .textAfterQuote: return "text after a closing quote (write a quote inside a quoted field as \"\")"
            }
        }
    }

    let delimiter: UInt8

    init(delimiter: Character) {
        self.delimiter = delimiter.asciiValue ?? UInt8(ascii: ",")
    }

    /// The delimiter for a file: a tab for `.tsv`/`.tab` files, a comma for `.csv`; otherwise a tab when the
    /// first line holds a tab and no comma, else a comma.
    static func guessDelimiter(path: String, bytes: [UInt8]) -> Character {
        let ext = (path as NSString).pathExtension.lowercased()
        if ext == "tsv" || ext == "tab" { return "\t" }
        if ext == "csv" { return "," }
        let firstLine = bytes.prefix { $0 != UInt8(ascii: "\n") }
        return firstLine.contains(UInt8(ascii: "\t")) && !firstLine.contains(UInt8(ascii: ",")) ? "\t" : ","
    }

    /// Calls `body` with each non-blank record and the 1-based line on which it starts; `body` may throw to stop.
    func forEachRecord(in bytes: [UInt8], _ body: (_ line: Int, _ fields: [String]) throws -> Void) throws {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        let delimiter = self.delimiter
        try bytes.withUnsafeBufferPointer { buf in
            var i = 0
            if buf.count >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF { i = 3 }
            var line = 1, recordLine = 1
            var fields: [String] = []
            var field: [UInt8] = []
            var atFieldStart = true
            var recordHasContent = false

            func endField() {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            }
            func endRecord() throws {
                if recordHasContent {
                    endField()
                    try body(recordLine, fields)
                }
                fields.removeAll(keepingCapacity: true)
                field.removeAll(keepingCapacity: true)
                atFieldStart = true
                recordHasContent = false
            }

            while i < buf.count {
                let b = buf[i]
                if b == lf || b == cr {
                    i += (b == cr && i + 1 < buf.count && buf[i + 1] == lf) ? 2 : 1
                    try endRecord()
                    line += 1
                    recordLine = line
                    continue
                }
                recordHasContent = true
                if b == delimiter {
                    endField()
                    atFieldStart = true
                    i += 1
                } else if b == quote && atFieldStart {
                    let startLine = line
                    i += 1
                    var closed = false
                    while i < buf.count {
                        let c = buf[i]
                        if c == quote {
                            if i + 1 < buf.count && buf[i + 1] == quote { field.append(quote); i += 2; continue }
                            closed = true; i += 1; break
                        }
                        if c == lf || (c == cr && !(i + 1 < buf.count && buf[i + 1] == lf)) { line += 1 }
                        field.append(c); i += 1
                    }
                    guard closed else { throw Failure.unterminatedQuote(line: startLine) }
                    if i < buf.count && buf[i] != delimiter && buf[i] != lf && buf[i] != cr {
                        throw Failure.textAfterQuote(line: line)
                    }
                    atFieldStart = false
                } else {
                    field.append(b)
                    atFieldStart = false
                    i += 1
                }
            }
            try endRecord()
        }
    }

    /// Writes one field, quoting it when it holds the delimiter, a quote, a line break, or leading or trailing
    /// spaces.
    static func escape(_ field: String, delimiter: Character = ",") -> String {
        let special = field.contains { $0 == delimiter || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || field.first == " " || field.last == " "
        return special ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }
}
