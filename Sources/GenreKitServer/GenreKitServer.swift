import Foundation
import GenreKit
import Hummingbird

/// `genrekit serve`: the HTTP API (`/v1/tag`, `/v1/predict`, `/v1/embed`, `/v1/models`, `/healthz`), the WebSocket
/// stream (`/v1/stream`, see `GenreKitServer+Stream.swift`), its OpenAPI document (`/openapi.json`) and the web page
/// (`/`), on Hummingbird.
///
/// Models are loaded once (``ModelRegistry``) and shared. Each analysis request is checked (parameters, model,
/// declared size, queue room) before its body is read, then spooled to a temporary file (``UploadSpooler``) and
/// analysed on the bounded ``JobQueue``; the file is removed on every path. Errors are RFC 9457 problems.
public struct GenreKitServer: Sendable {
    public let configuration: ServerConfiguration
    public let registry: ModelRegistry
    public let queue: JobQueue
    public let spooler: UploadSpooler
    /// Runs on the worker before each job (tests hold a job with it to fill the queue or pass the timeout).
    var beforeJob: (@Sendable () -> Void)?

    /// Validates `configuration` and loads its models.
    /// - Throws: ``ServerConfigurationError``, or the error of a pre-trained network that cannot be loaded.
    public init(configuration: ServerConfiguration) throws {
        try configuration.validate()
        let registry = try ModelRegistry(pretrained: configuration.pretrained, store: configuration.store,
                                         directory: configuration.modelsDirectory)
        guard !registry.infos.isEmpty else { throw ServerConfigurationError.noModels }
        self.init(configuration: configuration, registry: registry)
    }

    /// Serves models already loaded.
    public init(configuration: ServerConfiguration, registry: ModelRegistry) {
        self.configuration = configuration
        self.registry = registry
        queue = JobQueue(workers: configuration.jobs, depth: configuration.queueDepth ?? configuration.jobs)
        spooler = UploadSpooler(directory: configuration.temporaryDirectory, maxBytes: configuration.maxUploadBytes)
    }

    /// Cores each job's network may use, so that ``ServerConfiguration/jobs`` jobs together fill the machine.
    var coresPerJob: Int { max(1, ProcessInfo.processInfo.activeProcessorCount / configuration.jobs) }

    // MARK: - Routes

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(ProblemMiddleware())
        router.middlewares.add(APIKeyMiddleware(key: configuration.apiKey))
        router.get("/") { _, _ in Self.resource(PackageResources.index_html, type: "text/html; charset=utf-8") }
        router.get("/openapi.json") { _, _ in Self.resource(PackageResources.openapi_json, type: "application/json") }
        router.get("/healthz") { _, _ in
            let load = queue.load
            return try Self.json(Health(status: "ok", models: registry.infos.count,
                                        jobs: .init(workers: queue.workers, running: load.running, waiting: load.waiting, depth: queue.depth)))
        }
        router.get("/v1/models") { _, _ in try Self.json(ModelList(models: registry.infos)) }
        router.post("/v1/tag") { request, _ in try await analyse(request, .tag) }
        router.post("/v1/predict") { request, _ in try await analyse(request, .predict) }
        router.post("/v1/embed") { request, _ in try await analyse(request, .embed) }
        router.get("/v1/stream") { request, _ in try streamWithoutUpgrade(request) }
        return router
    }

    /// The Hummingbird application on ``ServerConfiguration/host`` and ``ServerConfiguration/port``: ``router()`` for
    /// HTTP, ``webSocketRouter()`` for WebSocket upgrades.
    public func application(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let port = configuration.port
        // HTTP/1 with the WebSocket upgrade of /v1/stream (frames up to maxStreamMessageBytes).
        return Application(router: router(),
                           server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter(),
                                                          configuration: .init(ws: .init(maxFrameSize: Self.maxStreamMessageBytes))),
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "genrekit"),
                           onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) })
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully: stops accepting connections and lets the
    /// requests in flight, and their jobs, finish.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(onListening: onListening).runService()
        queue.close()
        await queue.idleNow()
    }

    // MARK: - Jobs from requests

    /// The three analysis endpoints.
    enum Endpoint: Sendable { case tag, predict, embed }

    /// The job of `endpoint` with `q`'s parameters (400 for a bad one, 404 for an unknown model).
    func job(_ endpoint: Endpoint, _ q: Query) throws -> AnalysisJob {
        switch endpoint {
        case .tag: return try tagJob(q)
        case .predict: return try predictJob(q)
        case .embed: return try embedJob(q)
        }
    }

    func tagJob(_ q: Query) throws -> AnalysisJob {
        let name = q["model"] ?? "MSD_musicnn"
        let top = try q.int("top", default: 5, in: 1...1000)
        let length = try q.double("length", in: 0.1...600), overlap = try q.double("overlap", in: 0...600)
        switch try registry.entry(name) {
        case .pretrained(let network):
            do {
                var tagger = try Tagger(model: network, length: length ?? 3, overlap: (overlap ?? 0) > 0 ? overlap : nil)
                tagger.concurrency = coresPerJob
                return .tag(tagger, model: name, top: top)
            } catch {
                throw ProblemError.badParameter("\(error)")
            }
        case .tagger(let t):
            let spec = t.extractor.spec.windowPart
            if let length, length != spec.windowLength { throw ProblemError.badParameter("model \(name) reads \(spec.windowLength)-s windows; drop length") }
            if let overlap, overlap != spec.overlap { throw ProblemError.badParameter("model \(name) steps its windows by \(spec.overlap) s; drop overlap") }
            return .tagTrained(t, model: name, top: top)
        case .classifier:
            throw ProblemError.badParameter("\(name) is a genre classifier; POST /v1/predict?model=\(name), or tag with a tagger from GET /v1/models")
        }
    }

    func predictJob(_ q: Query) throws -> AnalysisJob {
        guard let name = q["model"] else { throw ProblemError.badParameter("model is required: a genre classifier from GET /v1/models") }
        switch try registry.entry(name) {
        case .classifier(let model, let extractor):
            do {
                return .predict(model, extractor, try GenreModelRunner(model: model).aggregation(named: q["aggregate"]))
            } catch {
                throw ProblemError.badParameter("\(error)")
            }
        case .pretrained, .tagger:
            throw ProblemError.badParameter("\(name) is a tagger, not a genre classifier; POST /v1/tag?model=\(name)")
        }
    }

    func embedJob(_ q: Query) throws -> AnalysisJob {
        let text = q["features"] ?? "MSD_musicnn"
        let spec: CombinedFeatureSpec
        do { spec = try CombinedFeatureSpec(parsing: text) } catch { throw ProblemError.badParameter("\(error)") }
        do {
            return .embed(try registry.extractor(for: spec))
        } catch let e as ProblemError { throw e } catch {
            throw ProblemError.badParameter("\(error)")
        }
    }

    // MARK: - Uploads

    /// Reads the upload into a temporary file and runs the endpoint's job on it in the queue; the file is removed on
    /// every path. A `multipart/form-data` body goes to ``analyseParts(_:_:query:boundary:format:)`` instead.
    func analyse(_ request: Request, _ endpoint: Endpoint) async throws -> Response {
        let query = Query(request)
        let format = try query.format(for: endpoint)
        if let type = request.headers[.contentType], let boundary = MultipartParser.boundary(contentType: type) {
            try admit(request)
            return try await analyseParts(request, endpoint, query: query, boundary: boundary, format: format)
        }
        let job = try self.job(endpoint, query)
        if let type = request.headers[.contentType]?.lowercased(), !Self.isAudio(type) {
            throw ProblemError(.unsupportedMediaType, "not-audio",
                               "Content-Type \(type) is not audio; send the file's bytes as audio/* or application/octet-stream, or several files as multipart/form-data")
        }
        try admit(request)
        let (filename, suffix) = Self.clientFile(query["filename"])
        let path = try await spooler.spool(request.body, declaredLength: request.headers[.contentLength].flatMap { Int($0) }, suffix: suffix)
        let output = try await run(job, path: path, filename: filename)
        switch format {
        case .json: return try Self.json(output)
        case .html: return Self.html(TagResultsPage.html(model: job.modelName, top: job.top, results: [.init(index: 0, filename: filename, output)]))
        }
    }

    /// Refuses a request before its body is read: over the size limit by its Content-Length, or the queue full.
    func admit(_ request: Request) throws {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        try spooler.check(declaredLength: declared)
        try checkQueueRoom()
    }

    /// 503 when every worker is busy and the queue is full.
    func checkQueueRoom() throws(ProblemError) {
        let load = queue.load
        if load.running >= queue.workers && load.waiting >= queue.depth { throw busy() }
    }

    /// Runs `job` on the spooled file at `path` in the queue, removing the file when the job ends (or is refused).
    func run(_ job: AnalysisJob, path: String, filename: String) async throws -> AnalysisOutput {
        let hook = beforeJob
        do {
            return try await queue.run(timeout: configuration.timeoutSeconds, {
                hook?()
                // Jobs run side by side (and a job's windows in parallel when a core is spare): OpenBLAS's own
                // threads would oversubscribe the cores, as in BatchRunner.
                return try BLASThreads.withSingleThread { try job.run(path: path, filename: filename) }
            }, finally: { try? FileManager.default.removeItem(atPath: path) })
        } catch let e as JobQueueError {
            throw problem(for: e)
        } catch let e as CancellationError {
            throw e
        } catch {
            throw ProblemError.analysis(error, path: path, filename: filename)
        }
    }

    /// Whether a body of this Content-Type may be audio (`application/octet-stream`: a browser's unknown type).
    static func isAudio(_ type: String) -> Bool {
        let t = type.lowercased()
        return t.hasPrefix("audio/") || t.hasPrefix("video/") || t.hasPrefix("application/octet-stream") || t.hasPrefix("application/ogg")
    }

    func busy() -> ProblemError {
        ProblemError(.serviceUnavailable, "queue-full", JobQueueError.full.description,
                     headers: [.retryAfter: String(configuration.retryAfterSeconds)])
    }

    /// The answer to a job the queue could not run: 503 (full, with Retry-After; or shutting down) or 504 (timed out).
    func problem(for e: JobQueueError) -> ProblemError {
        switch e {
        case .full: return busy()
        case .closed: return ProblemError(.serviceUnavailable, "shutting-down", e.description)
        case .timedOut: return ProblemError(.gatewayTimeout, "timeout", e.description)
        }
    }

    /// The client's file name (for the records) and the extension to keep on the temporary file.
    static func clientFile(_ given: String?) -> (name: String, suffix: String?) {
        let name = given.map { ($0 as NSString).lastPathComponent }.flatMap { $0.isEmpty ? nil : $0 } ?? "upload"
        let ext = (name as NSString).pathExtension.lowercased()
        let ok = (1...5).contains(ext.count) && ext.unicodeScalars.allSatisfy { $0.isASCII && CharacterSet.alphanumerics.contains($0) }
        return (name, ok ? ext : nil)
    }

    // MARK: - Responses

    static func json<T: Encodable>(_ value: T) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func html(_ page: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    static func resource(_ bytes: [UInt8], type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// `GET /healthz`.
public struct Health: Codable, Sendable {
    public struct Jobs: Codable, Sendable {
        public var workers: Int, running: Int, waiting: Int, depth: Int
    }
    public var status: String
    public var models: Int
    public var jobs: Jobs
}

/// `GET /v1/models`.
public struct ModelList: Codable, Sendable {
    public var models: [ModelInfo]
}

/// A request's query parameters, parsed into checked values (400 for one that does not parse or is out of range).
struct Query {
    var parameters: [String: String]

    init(parameters: [String: String]) { self.parameters = parameters }

    init(_ request: Request) {
        var p: [String: String] = [:]
        for (k, v) in request.uri.queryParameters { p[String(k)] = String(v) }  // values come percent-decoded
        parameters = p
    }

    subscript(_ name: String) -> String? { parameters[name] }

    /// What the client asked for: `format=json` (default) or `format=html` (``TagResultsPage``, `/v1/tag` only).
    func format(for endpoint: GenreKitServer.Endpoint) throws(ProblemError) -> ResultFormat {
        switch parameters["format"] {
        case nil, "json": return .json
        case "html" where endpoint == .tag: return .html
        case let other?: throw .badParameter("format=\(other) is not json\(endpoint == .tag ? " or html" : "") on this endpoint")
        }
    }

    func int(_ name: String, default value: Int, in range: ClosedRange<Int>) throws(ProblemError) -> Int {
        guard let text = parameters[name] else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw .badParameter("\(name)=\(text) is not a whole number in \(range.lowerBound)…\(range.upperBound)")
        }
        return n
    }

    func double(_ name: String, in range: ClosedRange<Double>) throws(ProblemError) -> Double? {
        guard let text = parameters[name] else { return nil }
        guard let x = Double(text), x.isFinite, range.contains(x) else {
            throw .badParameter("\(name)=\(text) is not a number of seconds in \(range.lowerBound)…\(range.upperBound)")
        }
        return x
    }
}
