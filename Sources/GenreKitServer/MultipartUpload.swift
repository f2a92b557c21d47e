import Foundation
import GenreKit
import Hummingbird

/// The answer's format: the endpoint's JSON, or (`/v1/tag?format=html`) the page of ``TagResultsPage``.
enum ResultFormat: Sendable { case json, html }

/// One file of a multipart upload: its record, or the problem that file had (the other files are still analysed).
struct PartResult: Encodable, Sendable {
    /// The file's place among the request's files, from 0.
    var index: Int
    var filename: String
    /// 200, or the status a single upload of this file would have got.
    var status: Int
    var record: AnalysisOutput?
    var problem: Problem?

    init(index: Int, filename: String, _ record: AnalysisOutput) {
        self.index = index
        self.filename = filename
        status = 200
        self.record = record
    }

    init(index: Int, filename: String, _ problem: ProblemError) {
        self.index = index
        self.filename = filename
        status = problem.status.code
        self.problem = problem.problem
    }
}

/// The answer to a multipart upload: one result per file part, in the order the parts came.
struct PartResults: Encodable, Sendable {
    var results: [PartResult]
}

extension GenreKitServer {
    /// The largest plain form field (`model`, `top`, …) of a multipart upload, in bytes.
    static let maxFieldBytes = 4096

    /// Analyses every file part of a `multipart/form-data` body, one after the other as it streams in: each part is
    /// written to its own temporary file (never held in memory), analysed on the queue, and its file removed, before
    /// the next part is read. The size limit counts the whole body.
    ///
    /// Plain form fields that come before the first file (`model`, `top`, `length`, `overlap`, `aggregate`,
    /// `features`) override the query's parameters. A problem with the request as a whole (a bad parameter, an
    /// unknown model, a malformed or over-limit body, no file) fails it; a problem with one file (not audio,
    /// undecodable, empty, queue full, past the timeout) is that file's result, and the others are still analysed.
    func analyseParts(_ request: Request, _ endpoint: Endpoint, query: Query, boundary: String, format: ResultFormat) async throws -> Response {
        var upload = try MultipartUpload(server: self, endpoint: endpoint, query: query, boundary: boundary)
        do {
            var total = 0
            for try await chunk in request.body {
                total += chunk.readableBytes
                spooler.bytesRead.withLock { $0 += chunk.readableBytes }
                if total > spooler.maxBytes { throw spooler.tooLarge() }
                for event in try upload.parser.feed(chunk.readableBytesView) { try await upload.handle(event) }
            }
            for event in try upload.parser.finish() { try await upload.handle(event) }
        } catch {
            upload.discard()
            if let e = error as? MultipartError { throw ProblemError.badParameter(e.description) }
            throw error
        }
        guard let job = upload.job, !upload.results.isEmpty else {
            throw ProblemError(.badRequest, "no-file", "the form has no file; add the audio files as file parts (curl -F file=@song.wav)")
        }
        switch format {
        case .json: return try Self.json(PartResults(results: upload.results))
        case .html: return Self.html(TagResultsPage.html(model: job.modelName, top: job.top, results: upload.results))
        }
    }
}

/// The state of one multipart upload while its body streams in.
struct MultipartUpload {
    let server: GenreKitServer
    let endpoint: GenreKitServer.Endpoint
    var query: Query
    var parser: MultipartParser
    /// Built at the first file part, from the query and the fields before it.
    var job: AnalysisJob?
    var results: [PartResult] = []

    /// The part being read.
    enum Current {
        case none
        case field(name: String, value: [UInt8])
        /// `path` nil: refused by its Content-Type, its bytes are skipped.
        case file(name: String, path: String?, handle: FileHandle?, bytes: Int, refusal: ProblemError?)
    }
    var current = Current.none

    init(server: GenreKitServer, endpoint: GenreKitServer.Endpoint, query: Query, boundary: String) throws {
        self.server = server
        self.endpoint = endpoint
        self.query = query
        do { parser = try MultipartParser(boundary: boundary) } catch { throw ProblemError.badParameter(error.description) }
    }

    static let fieldNames: Set<String> = ["model", "top", "length", "overlap", "aggregate", "features"]

    mutating func handle(_ event: MultipartParser.Event) async throws {
        switch event {
        case .part(let headers):
            if let given = headers.filename {
                if job == nil { job = try server.job(endpoint, query) }
                let (name, suffix) = GenreKitServer.clientFile(given)
                if let type = headers.contentType, !GenreKitServer.isAudio(type) {
                    let refusal = ProblemError(.unsupportedMediaType, "not-audio", "\(name): its Content-Type \(type) is not audio")
                    current = .file(name: given.isEmpty ? "" : name, path: nil, handle: nil, bytes: 0, refusal: refusal)
                } else {
                    let (path, handle) = try server.spooler.createFile(suffix: suffix)
                    current = .file(name: given.isEmpty ? "" : name, path: path, handle: handle, bytes: 0, refusal: nil)
                }
            } else {
                guard let name = headers.name else { throw ProblemError.badParameter("a form field has no name; name every field") }
                guard job == nil else {
                    throw ProblemError.badParameter("form field \(name) comes after a file; put the fields (model, top, …) before the files")
                }
                current = .field(name: name, value: [])
            }
        case .body(let bytes):
            switch current {
            case .field(let name, var value):
                value += bytes
                guard value.count <= GenreKitServer.maxFieldBytes else {
                    throw ProblemError.badParameter("form field \(name) is longer than \(GenreKitServer.maxFieldBytes) bytes; send files as file parts")
                }
                current = .field(name: name, value: value)
            case .file(let name, let path, let handle, let n, let refusal):
                if let handle { try handle.write(contentsOf: Data(bytes)) }
                current = .file(name: name, path: path, handle: handle, bytes: n + bytes.count, refusal: refusal)
            case .none:
                break
            }
        case .partEnd:
            let part = current
            current = .none
            switch part {
            case .field(let name, let value):
                if Self.fieldNames.contains(name) { query.parameters[name] = String(decoding: value, as: UTF8.self) }
            case .file(let name, let path, let handle, let n, let refusal):
                try? handle?.close()
                if name.isEmpty && n == 0 {  // a browser's file input with no file chosen
                    if let path { try? FileManager.default.removeItem(atPath: path) }
                    return
                }
                let index = results.count, filename = name.isEmpty ? "upload" : name
                if let refusal {
                    results.append(PartResult(index: index, filename: filename, refusal))
                } else if let path, n == 0 {
                    try? FileManager.default.removeItem(atPath: path)
                    results.append(PartResult(index: index, filename: filename,
                                              ProblemError(.badRequest, "empty-body", "\(filename) is empty; choose the audio file again")))
                } else if let path, let job {
                    do {
                        results.append(PartResult(index: index, filename: filename, try await server.run(job, path: path, filename: filename)))
                    } catch let e as ProblemError {
                        results.append(PartResult(index: index, filename: filename, e))
                    }
                }
            case .none:
                break
            }
        case .end:
            break
        }
    }

    /// Removes the file of a part cut short by a failure.
    mutating func discard() {
        if case .file(_, let path?, let handle, _, _) = current {
            try? handle?.close()
            try? FileManager.default.removeItem(atPath: path)
        }
        current = .none
    }
}
