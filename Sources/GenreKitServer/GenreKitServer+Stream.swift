import Foundation
import GenreKit
import Hummingbird
import HummingbirdWebSocket

/// `GET /v1/stream`: `genrekit stream` over a WebSocket.
///
/// The client sends PCM in binary messages (the layout of `pcm`, `rate`, `channels`; any split, a partial frame
/// waits for the next message) and the text message `end` when the audio is over; the server answers one text
/// message per window, the JSON line `genrekit stream` writes (``StreamLine``), as soon as the window's samples are
/// in, then, after `end`, the windows the signal's end completes and a normal close (1000). A problem — bad
/// parameter, unknown model, queue full, a message that is not PCM or `end` — is one text message, the RFC 9457
/// problem JSON, and the connection closes (1008 request, 1003 message, 1007 audio, 1013 busy, 1011 server).
///
/// Limits: the API key is checked before the upgrade (`Authorization`/`X-API-Key`, or, from a browser, which cannot
/// set headers, the subprotocol `genrekit.key.KEY` beside `genrekit.stream`); a stream is admitted only when the job
/// queue has room, and each message's decoding and each window's inference are jobs on that queue (timeouts
/// included). Buffering is bounded: one message (at most ``maxStreamMessageBytes``) is read, analysed and answered
/// before the next is read, so a client sending faster than real time is slowed by TCP, not buffered.
extension GenreKitServer {
    /// The largest binary message (and frame) accepted: 1 MiB, about 16 s of 16-kHz float32 mono.
    public static let maxStreamMessageBytes = 1 << 20
    /// The subprotocol a browser offers (with `genrekit.key.KEY` when the server has a key); echoed when offered.
    public static let streamSubprotocol = "genrekit.stream"

    /// The router of WebSocket upgrades: `/v1/stream`, behind the API key.
    public func webSocketRouter() -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.middlewares.add(ProblemMiddleware())
        router.middlewares.add(APIKeyMiddleware(key: configuration.apiKey, acceptsSubprotocol: true))
        router.ws("/v1/stream", shouldUpgrade: { request, _ in
            let offered = APIKeyMiddleware<BasicWebSocketRequestContext>.subprotocols(request)
            return .upgrade(offered.contains(Self.streamSubprotocol) ? [.secWebSocketProtocol: Self.streamSubprotocol] : [:])
        }, onUpgrade: { inbound, outbound, context in
            try await stream(inbound: inbound, outbound: outbound, query: Query(context.request))
        })
        return router
    }

    /// A plain `GET /v1/stream` (no upgrade): the parameters' problem (400, 404), else 426 saying to open a WebSocket.
    func streamWithoutUpgrade(_ request: Request) throws -> Response {
        _ = try streamSession(Query(request))
        throw ProblemError(.upgradeRequired, "websocket-required",
                           "GET /v1/stream is a WebSocket: connect with Upgrade: websocket and send PCM in binary messages, then the text message end")
    }

    /// The session for a stream's query parameters.
    /// - Throws: 400 for a bad parameter or a model that cannot stream, 404 for an unknown model.
    func streamSession(_ q: Query) throws(ProblemError) -> StreamSession {
        var o = StreamSession.Options()
        o.model = q["model"] ?? o.model
        o.top = try q.int("top", default: o.top, in: 1...1000)
        let rate = try q.int("rate", default: 16000, in: 1000...384_000)
        let channels = try q.int("channels", default: 1, in: 1...32)
        let pcm = q["pcm"] ?? "f32le"
        guard let encoding = PCMLayout.Encoding(rawValue: pcm) else { throw .badParameter("pcm=\(pcm) is not f32le or s16le") }
        o.layout = PCMLayout(encoding: encoding, sampleRate: rate, channels: channels)
        o.aggregate = q["aggregate"] ?? o.aggregate
        let predictor: StreamPredictor
        do {
            switch try registry.entry(o.model) {
            case .pretrained(let network): predictor = try StreamPredictor(pretrained: network)
            case .classifier(let model, let extractor): predictor = try StreamPredictor(model: model, extractor: extractor)
            case .tagger:
                throw ProblemError.badParameter("\(o.model) is a trained tagger, which cannot stream yet; stream a pre-trained network or a genre classifier")
            }
        } catch let e as ProblemError {
            throw e
        } catch {
            throw .badParameter("\(error)")
        }
        return try StreamSession(options: o, predictor: predictor)
    }

    /// Runs one upgraded connection to its end.
    ///
    /// A problem with the request itself (parameters, model, queue room) is answered at the client's first message,
    /// not at once: a frame sent in the same breath as the upgrade's answer could reach a client whose WebSocket is
    /// not set up yet (hummingbird-websocket's client then hung now and then in the tests), while by its first message
    /// a client surely listens.
    func stream(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, query: Query) async throws {
        let opened: Result<StreamSession, ProblemError> = Result { () throws(ProblemError) -> StreamSession in
            let session = try streamSession(query)
            try checkQueueRoom()
            return session
        }
        do {
            for try await message in inbound.messages(maxSize: Self.maxStreamMessageBytes) {
                let session = try opened.get()
                let arrival = DispatchTime.now().uptimeNanoseconds
                switch message {
                case .binary(let buffer):
                    let bytes = Array(buffer.readableBytesView)
                    try await send(try await streamJob { try session.append(bytes) }, of: session, arrival: arrival, to: outbound)
                case .text(let text) where text.trimmingCharacters(in: .whitespacesAndNewlines) == "end":
                    try await send(try await streamJob { try session.finish() }, of: session, arrival: arrival, to: outbound)
                    try await outbound.close(.normalClosure, reason: "end of stream")
                    return
                case .text(let text):
                    throw ProblemError(.badRequest, "bad-message",
                                       "text message '\(text.prefix(40))' is not end; send PCM as binary messages and the text message end when the audio is over")
                }
            }
        } catch let problem as ProblemError {
            try await outbound.write(.text(problem.jsonLine))
            try await outbound.close(.init(codeNumber: problem.webSocketCloseCode), reason: problem.kind)
        }
    }

    /// Classifies `windows` one job each and sends each line as soon as it is ready.
    private func send(_ windows: [StreamWindow], of session: StreamSession, arrival: UInt64, to outbound: WebSocketOutboundWriter) async throws {
        for window in windows {
            let line = try await streamJob { try session.line(for: window, arrival: arrival) }
            try await outbound.write(.text(line))
        }
    }

    /// Runs a stream's blocking step on the job queue (one BLAS thread, as every job), its failures as problems.
    private func streamJob<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await queue.run(timeout: configuration.timeoutSeconds, { try BLASThreads.withSingleThread { try work() } })
        } catch let e as JobQueueError {
            throw problem(for: e)
        } catch let e as CancellationError {
            throw e
        } catch let e as ProblemError {
            throw e
        } catch {
            throw ProblemError(.unprocessableContent, "undecodable-audio", "\(error)")
        }
    }
}

extension ProblemError {
    /// The problem as one line of JSON (a stream's last message).
    var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(problem)) ?? Data(), as: UTF8.self)
    }

    /// The WebSocket close code that goes with the problem: 1013 (try again later) when busy or shutting down, 1011
    /// for a server failure or timeout, 1007 for audio that cannot be read, 1003 for a message of the wrong kind,
    /// 1008 for a request the server refuses (bad parameter, unknown model).
    var webSocketCloseCode: Int {
        switch status.code {
        case 503: return 1013
        case 422: return 1007
        case 400 where kind == "bad-message": return 1003
        case 400..<500: return 1008
        default: return 1011
        }
    }
}
