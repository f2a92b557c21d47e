import Foundation
import GenreKit
import Hummingbird

/// An RFC 9457 problem: every error the server answers is one, sent as `application/problem+json`.
public struct Problem: Codable, Sendable, Equatable {
    /// A URI naming the kind of problem (`urn:genrekit:problem:…`).
    public var type: String
    /// The status's reason phrase.
    public var title: String
    public var status: Int
    /// One line saying what went wrong and what to do.
    public var detail: String
}

/// A failure answered as a ``Problem`` with its status and headers (`Retry-After`, `WWW-Authenticate`).
public struct ProblemError: Error, HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var kind: String
    public var detail: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ kind: String, _ detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.kind = kind
        self.detail = detail
        self.headers = headers
    }

    public var description: String { "\(status.code) \(detail)" }

    public var problem: Problem {
        Problem(type: "urn:genrekit:problem:\(kind)", title: status.reasonPhrase, status: status.code, detail: detail)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response { response() }

    public func response() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(problem)) ?? Data()
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func badParameter(_ detail: String) -> ProblemError { ProblemError(.badRequest, "bad-parameter", detail) }
    static func unknownModel(_ detail: String) -> ProblemError { ProblemError(.notFound, "unknown-model", detail) }
    static let unauthorized = ProblemError(.unauthorized, "unauthorized",
                                           "missing or wrong API key; send Authorization: Bearer KEY or X-API-Key: KEY",
                                           headers: [.wwwAuthenticate: "Bearer"])

    /// The problem of an error thrown while analysing an upload, with the temporary path replaced by `filename`.
    static func analysis(_ error: Error, path: String, filename: String) -> ProblemError {
        if let p = error as? ProblemError { return p }
        let message = "\(error)".replacingOccurrences(of: path, with: filename)
        switch error {
        case let e as AudioError:
            switch e {
            case .unsupportedFormat: return ProblemError(.unsupportedMediaType, "not-audio", message)
            case .invalidParameter: return .badParameter(message)
            default: return ProblemError(.unprocessableContent, "undecodable-audio", message)
            }
        case let e as FeatureExtractorError:
            if case .noWindows = e { return ProblemError(.unprocessableContent, "no-windows", message) }
            return ProblemError(.internalServerError, "analysis-failed", message)
        default:
            return ProblemError(.internalServerError, "analysis-failed", message)
        }
    }
}
