import Foundation

/// A streaming `multipart/form-data` parser (RFC 7578): bytes go in as they arrive, events come out, and no more
/// than one boundary's length of a part's body is ever held back, so a part of any size passes through in chunks.
///
/// Feed the body with ``feed(_:)`` and call ``finish()`` at its end; each returns the events it completed:
/// a part's headers, its body in chunks, its end, and the end of the whole body (the closing boundary).
public struct MultipartParser: Sendable {
    /// What the parser recognised.
    public enum Event: Equatable, Sendable {
        case part(MultipartPartHeaders)
        case body([UInt8])
        case partEnd
        case end
    }

    enum State { case preamble, afterDelimiter, headers, body, epilogue }

    /// `CRLF--boundary`: the body is read as if it began with a CRLF, so the first delimiter looks like the others.
    let delimiter: [UInt8]
    private var pending: [UInt8] = [13, 10]
    private var state = State.preamble
    /// The largest header block of a part (bytes); a longer one is malformed.
    public static let maxHeaderBytes = 16 * 1024

    /// - Parameter boundary: the `boundary` parameter of the request's Content-Type (1–70 characters).
    public init(boundary: String) throws(MultipartError) {
        guard (1...70).contains(boundary.utf8.count) else { throw .badBoundary }
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// The boundary of a `multipart/form-data` Content-Type, or nil for any other type.
    public static func boundary(contentType: String) -> String? {
        let parts = HeaderParameters.split(contentType)
        guard parts.value.lowercased() == "multipart/form-data" else { return nil }
        return parts.parameters["boundary"]
    }

    /// Bytes taken but not yet given back in an event (a possible delimiter's start, an unfinished header block).
    public var heldBytes: Int { pending.count }

    /// Takes the next bytes of the body.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(MultipartError) -> [Event] {
        pending.append(contentsOf: bytes)
        return try drain()
    }

    /// The body has ended: throws when it ended inside a part or before the closing boundary.
    public mutating func finish() throws(MultipartError) -> [Event] {
        let events = try drain()
        guard state == .epilogue else { throw .truncated }
        return events
    }

    private mutating func drain() throws(MultipartError) -> [Event] {
        var events: [Event] = []
        while true {
            switch state {
            case .preamble:
                guard let i = Self.find(delimiter, in: pending) else {
                    pending.removeFirst(max(0, pending.count - (delimiter.count - 1)))
                    return events
                }
                pending.removeFirst(i + delimiter.count)
                state = .afterDelimiter
            case .afterDelimiter:
                guard pending.count >= 2 else { return events }
                if pending[0] == UInt8(ascii: "-") && pending[1] == UInt8(ascii: "-") {
                    state = .epilogue
                    events.append(.end)
                } else if pending[0] == 13 && pending[1] == 10 {
                    state = .headers
                } else {
                    throw .malformed("a boundary is followed by neither CRLF nor --")
                }
                pending.removeFirst(2)
            case .headers:
                guard let i = Self.find([13, 10, 13, 10], in: pending) else {
                    if pending.count > Self.maxHeaderBytes { throw .malformed("a part's headers are longer than \(Self.maxHeaderBytes) bytes") }
                    return events
                }
                let text = String(decoding: pending[..<i], as: UTF8.self)
                pending.removeFirst(i + 4)
                events.append(.part(try MultipartPartHeaders(parsing: text)))
                state = .body
            case .body:
                if let i = Self.find(delimiter, in: pending) {
                    if i > 0 { events.append(.body(Array(pending[..<i]))) }
                    events.append(.partEnd)
                    pending.removeFirst(i + delimiter.count)
                    state = .afterDelimiter
                } else {
                    // Everything but a tail that could be the start of the delimiter is the part's.
                    let safe = pending.count - (delimiter.count - 1)
                    if safe > 0 {
                        events.append(.body(Array(pending[..<safe])))
                        pending.removeFirst(safe)
                    }
                    return events
                }
            case .epilogue:
                pending.removeAll()
                return events
            }
        }
    }

    /// The first index of `needle` in `haystack`.
    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        let n = needle.count
        guard haystack.count >= n, let first = needle.first else { return nil }
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { p in
                var i = 0
                let last = h.count - n
                while i <= last {
                    if h[i] == first {
                        var j = 1
                        while j < n && h[i + j] == p[j] { j += 1 }
                        if j == n { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }
}

/// A part's headers: its form field name, the file name a browser sends with a file, and its Content-Type.
public struct MultipartPartHeaders: Equatable, Sendable {
    public var name: String?
    /// Present (possibly empty) on a file part; nil on a plain form field.
    public var filename: String?
    public var contentType: String?

    public init(name: String?, filename: String?, contentType: String?) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
    }

    init(parsing text: String) throws(MultipartError) {
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("a part header line has no colon") }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch field {
            case "content-disposition":
                let d = HeaderParameters.split(value)
                guard d.value.lowercased() == "form-data" else { throw .malformed("a part's Content-Disposition is not form-data") }
                name = d.parameters["name"]
                filename = d.parameters["filename"]
            case "content-type":
                contentType = value
            default:
                break
            }
        }
    }
}

/// A header value with `;`-separated parameters (`form-data; name="file"; filename="a;b.wav"`), quotes respected.
enum HeaderParameters {
    static func split(_ text: String) -> (value: String, parameters: [String: String]) {
        var pieces: [String] = [], current = "", quoted = false
        for c in text {
            if c == "\"" { quoted.toggle(); continue }
            if c == ";" && !quoted { pieces.append(current); current = ""; continue }
            current.append(c)
        }
        pieces.append(current)
        var parameters: [String: String] = [:]
        for p in pieces.dropFirst() {
            guard let eq = p.firstIndex(of: "=") else { continue }
            parameters[p[..<eq].trimmingCharacters(in: .whitespaces).lowercased()] = String(p[p.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        }
        return (pieces[0].trimmingCharacters(in: .whitespaces), parameters)
    }
}

/// A `multipart/form-data` body that cannot be read.
public enum MultipartError: Error, Equatable, CustomStringConvertible {
    case badBoundary
    case malformed(String)
    case truncated

    public var description: String {
        switch self {
        case .badBoundary: return "the multipart boundary must be 1 to 70 characters; let the client library set Content-Type"
        case .malformed(let why): return "the multipart body is malformed: \(why); let the client library build the form"
        case .truncated: return "the multipart body ends before its closing boundary; send the whole form"
        }
    }
}
