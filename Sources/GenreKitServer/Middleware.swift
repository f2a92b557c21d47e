import Foundation
import GenreKit
import Hummingbird

/// Answers every error as an RFC 9457 problem: ``ProblemError``s as they are, Hummingbird's `HTTPError`s (unknown
/// route, wrong method) with their status, anything else as 500 with its one-line description.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as ProblemError {
            return e.response()
        } catch let e as HTTPError {
            let detail = e.body ?? (e.status == .notFound ? "no such endpoint: \(request.method) \(request.uri.path); see /openapi.json" : e.status.reasonPhrase)
            return ProblemError(e.status, e.status == .notFound ? "not-found" : "http-error", detail, headers: e.headers).response()
        } catch is CancellationError {
            return ProblemError(.serviceUnavailable, "cancelled", "the request was cancelled").response()
        } catch {
            return ProblemError(.internalServerError, "internal", "\(error)").response()
        }
    }
}

/// Requires the API key on `/v1/` when one is set: `Authorization: Bearer KEY` or `X-API-Key: KEY` (401 otherwise).
/// The page, its OpenAPI document and `/healthz` stay open. On WebSocket upgrades (`acceptsSubprotocol`) the key may
/// also come as the offered subprotocol `genrekit.key.KEY`, since a browser's WebSocket cannot set headers.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: String?
    var acceptsSubprotocol = false

    /// The subprotocol prefix that carries a key.
    static var keyPrefix: String { "genrekit.key." }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key, request.uri.path.hasPrefix("/v1/") else { return try await next(request, context) }
        var given = request.headers[HTTPFields.Element.Name("X-API-Key")!]
        if given == nil, let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            given = String(auth.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        }
        if given == nil, acceptsSubprotocol, let offered = Self.subprotocols(request).first(where: { $0.hasPrefix(Self.keyPrefix) }) {
            given = String(offered.dropFirst(Self.keyPrefix.count))
        }
        guard let given, Self.equal(given, key) else { throw ProblemError.unauthorized }
        return try await next(request, context)
    }

    /// The subprotocols a WebSocket upgrade offers (`Sec-WebSocket-Protocol`, comma-separated, possibly repeated).
    static func subprotocols(_ request: Request) -> [String] {
        request.headers[values: .secWebSocketProtocol].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Compares in time that depends on the lengths only.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = x.count ^ y.count
        for i in 0..<max(x.count, y.count) { diff |= Int((i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)) }
        return diff == 0
    }
}
