import Foundation
import GenreKit
@testable import GenreKitServer
import Hummingbird
import HummingbirdTesting
import XCTest

/// `genrekit serve` through Hummingbird's testing client: every endpoint, every error status, responses checked
/// against the committed OpenAPI document, and the temporary upload folder empty after every request.
final class ServerTests: ServerTestCase {
    // MARK: - Endpoints

    func testHealthModelsOpenAPIAndPage() async throws {
        let server = try makeServer()
        try await Application(router: server.router()).test(.router) { client in
            let health = try await send(client, .get, "/healthz")
            XCTAssertEqual(health.status, .ok)
            XCTAssertEqual(try jsonObject(health)["status"] as? String, "ok")

            let models = try JSONDecoder().decode(ModelList.self, from: Data(buffer: try await send(client, .get, "/v1/models").body)).models
            XCTAssertEqual(models.map(\.name), ["MSD_musicnn", "genres", "texture"], "broken.gkmodel is skipped, the others listed")
            XCTAssertEqual(models[2].kind, .tagger)
            XCTAssertEqual(models[2].windowSeconds, 3)
            XCTAssertEqual(models[0].kind, .pretrained)
            XCTAssertEqual(models[0].labels.count, 50)
            XCTAssertEqual(models[1].kind, .classifier)
            XCTAssertEqual(models[1].labels, ["drone", "bells"])
            XCTAssertTrue(models[1].featureSpec.hasPrefix("MSD_musicnn:max_pool"), models[1].featureSpec)
            XCTAssertEqual(server.registry.skipped.count, 1)

            let doc = try await send(client, .get, "/openapi.json")
            let parsed = try jsonObject(doc)
            XCTAssertEqual(parsed["openapi"] as? String, "3.1.0")
            let page = try await send(client, .get, "/")
            XCTAssertEqual(page.headers[.contentType], "text/html; charset=utf-8")
            let html = text(page.body)
            XCTAssertTrue(html.contains("<main") && html.contains("/v1/tag"), "the page calls the API")
            XCTAssertFalse(html.contains("http://") || html.contains("https://"), "the page fetches nothing from outside")

            let missing = try await client.execute(uri: "/v2/nothing", method: .get)
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertEqual(try problem(missing).status, 404)
        }
    }

    func testTagGivesTheCommandLineRecord() async throws {
        let server = try makeServer()
        let song = try ServerFixture.wav(freqs: [880, 1320, 1760], pulse: 2, seconds: 7)
        let temporary = self.temporary
        try await Application(router: server.router()).test(.router) { client in
            let r = try await send(client, .post, "/v1/tag?model=MSD_musicnn&top=3&filename=bells.wav", headers: audioType, body: song)
            XCTAssertEqual(r.status, .ok, text(r.body))
            let record = try JSONDecoder().decode(TagRecord.self, from: bytes(r.body))
            XCTAssertEqual(record.path, "bells.wav")
            XCTAssertEqual(record.model, "MSD_musicnn")
            XCTAssertEqual(record.topTags?.count, 3)
            XCTAssertEqual(record.taggram?.count, 2, "7 s in back-to-back 3-s windows")
            XCTAssertEqual(record.taggram?[0].count, 50)

            // The same record as the library (and so `genrekit tag --format json`) gives for the same file.
            let path = temporary + "/bells.wav"
            try song.write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            guard case .pretrained(let network) = try server.registry.entry("MSD_musicnn") else { return XCTFail() }
            var a = try Tagger(model: network, length: 3).analyze(path: path)
            a.path = "bells.wav"
            let direct = TagRecord(a, model: "MSD_musicnn", top: 3)
            XCTAssertEqual(record.topTags?.map(\.tag), direct.topTags?.map(\.tag))
            XCTAssertEqual(record.windowStartsSeconds, direct.windowStartsSeconds)
            for (x, y) in zip(record.taggram!.joined(), direct.taggram!.joined()) { XCTAssertEqual(x, y, accuracy: 1e-5) }

            // A trained tagger: its own windows, its thresholds and the tags that pass them.
            let trained = try await send(client, .post, "/v1/tag?model=texture&top=2", headers: audioType,
                                         body: try ServerFixture.wav(freqs: [110, 165], seconds: 7))
            XCTAssertEqual(trained.status, .ok, text(trained.body))
            let t = try JSONDecoder().decode(TagRecord.self, from: bytes(trained.body))
            XCTAssertEqual(t.tags, ["low", "high", "steady"])
            XCTAssertEqual(t.topTags?.count, 2)
            XCTAssertEqual(t.thresholds?.count, 3)
            XCTAssertEqual(Set(t.decidedTags?.map(\.tag) ?? []), ["low", "steady"], "a drone")
            let wrongWindows = try await send(client, .post, "/v1/tag?model=texture&length=5", headers: audioType, body: song)
            XCTAssertEqual(wrongWindows.status, .badRequest)

            // No Content-Type: the document asks for one (the checker says so), the server reads the bytes all the same.
            let overlapped = try await send(client, .post, "/v1/tag?length=3&overlap=1", headers: [:], body: song, invalid: true)
            XCTAssertEqual(overlapped.status, .ok)
            let o = try JSONDecoder().decode(TagRecord.self, from: bytes(overlapped.body))
            XCTAssertEqual(o.path, "upload")
            XCTAssertGreaterThan(o.windowStartsSeconds?.count ?? 0, 3, "a 1-s hop over 7 s")
        }
        XCTAssertEqual(try leftovers(), [])
    }

    /// An M4A (AAC) upload, what Apple Music libraries hold: decoded through FFmpeg and tagged like a WAV.
    func testM4AUploadIsTagged() async throws {
        let server = try makeServer()
        let wav = temporary + "/m4a-source.wav", m4a = temporary + "/m4a-source.m4a"
        try ServerFixture.wav(freqs: [880, 1320, 1760], pulse: 2, seconds: 7).write(to: URL(fileURLWithPath: wav))
        defer { try? FileManager.default.removeItem(atPath: wav); try? FileManager.default.removeItem(atPath: m4a) }
        let ffmpeg = Process()
        ffmpeg.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        ffmpeg.arguments = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", wav, "-c:a", "aac", "-b:a", "96k", m4a]
        try ffmpeg.run()
        ffmpeg.waitUntilExit()
        XCTAssertEqual(ffmpeg.terminationStatus, 0, "ffmpeg (scripts/setup.sh installs it)")
        let body = try Data(contentsOf: URL(fileURLWithPath: m4a))
        try await Application(router: server.router()).test(.router) { client in
            let r = try await send(client, .post, "/v1/tag?model=MSD_musicnn&top=3&filename=song.m4a", headers: audioType, body: body)
            XCTAssertEqual(r.status, .ok, text(r.body))
            let record = try JSONDecoder().decode(TagRecord.self, from: bytes(r.body))
            XCTAssertEqual(record.path, "song.m4a")
            XCTAssertEqual(record.taggram?.count, 2, "7 s (plus the encoder's padding) in back-to-back 3-s windows")
            XCTAssertEqual(record.topTags?.count, 3)
        }
        XCTAssertEqual(try leftovers(), [])
    }

    func testPredictAndEmbed() async throws {
        let server = try makeServer()
        let song = try ServerFixture.wav(freqs: [110, 165], seconds: 7)
        try await Application(router: server.router()).test(.router) { client in
            let r = try await send(client, .post, "/v1/predict?model=genres&aggregate=mean&filename=drone.wav", headers: audioType, body: song)
            XCTAssertEqual(r.status, .ok, text(r.body))
            let p = try JSONDecoder().decode(PredictionRecord.self, from: bytes(r.body))
            XCTAssertEqual(p.path, "drone.wav")
            XCTAssertEqual(p.genre, "drone")
            XCTAssertEqual(p.aggregation, "mean")
            XCTAssertEqual(p.windows?.count, 2)
            XCTAssertEqual(p.windows?[0].probabilities.count, 2)

            let byFileName = try await send(client, .post, "/v1/predict?model=genres.gkmodel", headers: audioType, body: song)
            XCTAssertEqual(byFileName.status, .ok)

            let e = try await send(client, .post, "/v1/embed?features=MSD_musicnn:max_pool%2Bhandcrafted:mfcc", headers: audioType, body: song)
            XCTAssertEqual(e.status, .ok, text(e.body))
            let embed = try JSONDecoder().decode(EmbedRecord.self, from: bytes(e.body))
            XCTAssertEqual(embed.windows.count, 2)
            XCTAssertTrue(embed.windows.allSatisfy { $0.count == embed.dimension })
            XCTAssertEqual(embed.song.count, embed.dimension)
            XCTAssertTrue(embed.features.contains("+handcrafted:mfcc"), embed.features)
        }
        XCTAssertEqual(try leftovers(), [])
    }

    // MARK: - Errors

    func testBadParametersAre400AndUnknownModels404() async throws {
        let server = try makeServer()
        let song = try ServerFixture.wav(freqs: [440], seconds: 3)
        try await Application(router: server.router()).test(.router) { client in
            // Invalid by the document's schemas (the checker must flag them), or valid in form but wrong for this server.
            let bad: [(uri: String, words: String, invalid: Bool)] = [
                ("/v1/tag?top=0", "top=0", true), ("/v1/tag?length=abc", "length=abc", true),
                ("/v1/tag?model=..%2F..%2Fetc%2Fpasswd", "not a model name", true), ("/v1/tag?format=xml", "format=xml", true),
                ("/v1/tag?model=genres", "genre classifier", false), ("/v1/predict", "model is required", true),
                ("/v1/predict?model=genres&aggregate=median", "unknown aggregation", true),
                ("/v1/predict?model=MSD_musicnn", "not a genre classifier", false), ("/v1/predict?model=genres&format=html", "format=html", true),
                ("/v1/embed?features=MSD_musicnn:nolayer", "nolayer", false),
            ]
            for (uri, words, invalid) in bad {
                let r = try await send(client, .post, uri, headers: audioType, body: song, invalid: invalid)
                XCTAssertEqual(r.status, .badRequest, uri)
                let p = try problem(r)
                XCTAssertEqual(p.status, 400)
                XCTAssertTrue(p.detail.contains(words), "\(uri): \(p.detail)")
                XCTAssertFalse(p.detail.contains("\n"), "one line")
            }
            XCTAssertEqual(server.spooler.bytesRead.value, 0, "a bad parameter is refused before the body is read")
            for uri in ["/v1/tag?model=nope", "/v1/predict?model=nope", "/v1/embed?features=MTT_musicnn:max_pool"] {
                let r = try await send(client, .post, uri, headers: audioType, body: song)
                XCTAssertEqual(r.status, .notFound, uri)
                XCTAssertEqual(try problem(r).status, 404)
            }
            let empty = try await send(client, .post, "/v1/tag", headers: audioType, body: Data(), invalid: true)
            XCTAssertEqual(empty.status, .badRequest)
        }
        XCTAssertEqual(try leftovers(), [])
    }

    func testAPIKeyIsRequiredOnTheAPI() async throws {
        let server = try makeServer { $0.apiKey = "s3cret" }
        try await Application(router: server.router()).test(.router) { client in
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong"], [HTTPFields.Element.Name("X-API-Key")!: "s3cre"]] {
                let r = try await send(client, .get, "/v1/models", headers: headers)
                XCTAssertEqual(r.status, .unauthorized)
                XCTAssertEqual(r.headers[.wwwAuthenticate], "Bearer")
                XCTAssertEqual(try problem(r).status, 401)
            }
            let upload = try await send(client, .post, "/v1/tag", headers: audioType, body: Data(count: 100))
            XCTAssertEqual(upload.status, .unauthorized)
            let bearer = try await send(client, .get, "/v1/models", headers: [.authorization: "Bearer s3cret"])
            XCTAssertEqual(bearer.status, .ok)
            let header = try await send(client, .get, "/v1/models", headers: [HTTPFields.Element.Name("X-API-Key")!: "s3cret"])
            XCTAssertEqual(header.status, .ok)
            let health = try await send(client, .get, "/healthz")
            XCTAssertEqual(health.status, .ok, "health stays open")
        }
        XCTAssertEqual(server.spooler.bytesRead.value, 0)
    }

    func testBindingBeyondLoopbackNeedsAKey() throws {
        var c = ServerConfiguration()
        c.host = "0.0.0.0"
        XCTAssertThrowsError(try c.validate()) { XCTAssertEqual($0 as? ServerConfigurationError, .apiKeyRequired(host: "0.0.0.0")) }
        c.apiKey = "k"
        XCTAssertNoThrow(try c.validate())
        c.host = "127.0.0.1"; c.apiKey = nil
        XCTAssertNoThrow(try c.validate())
        XCTAssertFalse(ModelRegistry.isValidName("../x"))
        XCTAssertFalse(ModelRegistry.isValidName(".hidden"))
        XCTAssertFalse(ModelRegistry.isValidName("a/b"))
        XCTAssertTrue(ModelRegistry.isValidName("my_model-2.v1"))
    }

    func testUploadOverTheLimitIsRefusedBeforeTheBodyIsRead() async throws {
        let server = try makeServer { $0.maxUploadBytes = 10_000 }
        try await Application(router: server.router()).test(.router) { client in
            let r = try await send(client, .post, "/v1/tag", headers: audioType, body: Data(count: 50_000))
            XCTAssertEqual(r.status, .contentTooLarge)
            XCTAssertTrue(try problem(r).detail.contains("10000 bytes"))
        }
        XCTAssertEqual(server.spooler.bytesRead.value, 0, "refused by Content-Length, not a byte read")
        XCTAssertEqual(try leftovers(), [])
    }

    /// Without a Content-Length, the spooler counts while it streams and stops at the limit, removing the partial file.
    func testUploadWithoutLengthIsCutAtTheLimit() async throws {
        let spooler = UploadSpooler(directory: temporary, maxBytes: 10_000)
        let pulled = Locked(0)
        let chunks = AsyncStream<ByteBuffer> { c in
            for _ in 0..<100 { c.yield(ByteBuffer(bytes: [UInt8](repeating: 1, count: 4096))) }
            c.finish()
        }.map { b -> ByteBuffer in pulled.withLock { $0 += 1 }; return b }
        do {
            _ = try await spooler.spool(chunks, declaredLength: nil, suffix: "wav")
            XCTFail("accepted an upload over the limit")
        } catch let e as ProblemError {
            XCTAssertEqual(e.status, .contentTooLarge)
        }
        XCTAssertEqual(pulled.value, 3, "stops at the first chunk past 10 000 bytes")
        XCTAssertEqual(try leftovers(), [])
        let ok = try await spooler.spool(AsyncStream { c in c.yield(ByteBuffer(bytes: [1, 2, 3])); c.finish() }, declaredLength: nil, suffix: nil)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: ok)), Data([1, 2, 3]))
        try FileManager.default.removeItem(atPath: ok)
    }

    func testNotAudioIs415AndDamagedAudio422() async throws {
        let server = try makeServer()
        let truncated = try ServerFixture.wav(freqs: [440], seconds: 4).prefix(30)
        try await Application(router: server.router()).test(.router) { client in
            let notAudio = try await send(client, .post, "/v1/tag?filename=notes.txt", headers: [.contentType: "application/octet-stream"],
                                      body: Data(String(repeating: "hello, not audio\n", count: 50).utf8))
            XCTAssertEqual(notAudio.status, .unsupportedMediaType)
            let p = try problem(notAudio)
            XCTAssertTrue(p.detail.hasPrefix("notes.txt: not a readable audio file"), p.detail)
            XCTAssertFalse(p.detail.contains(UploadSpooler.prefix), "the temporary path is not shown")

            let typed = try await send(client, .post, "/v1/tag", headers: [.contentType: "text/plain"], body: Data("hi".utf8), invalid: true)
            XCTAssertEqual(typed.status, .unsupportedMediaType)

            let damaged = try await send(client, .post, "/v1/tag?filename=cut.wav", headers: audioType, body: truncated)
            XCTAssertEqual(damaged.status, .unprocessableContent, text(damaged.body))
            XCTAssertTrue(try problem(damaged).detail.hasPrefix("cut.wav: "))
        }
        XCTAssertEqual(try leftovers(), [], "removed after failures too")
    }

    func testFullQueueIs503AndSlowJobs504() async throws {
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        var held = try makeServer { $0.jobs = 1; $0.queueDepth = 0; $0.timeoutSeconds = 0.5; $0.retryAfterSeconds = 7 }
        held.beforeJob = { entered.signal(); release.wait() }
        let server = held
        let song = try ServerFixture.wav(freqs: [440], seconds: 3)
        try await Application(router: server.router()).test(.router) { client in
            async let first = client.execute(uri: "/v1/tag", method: .post, headers: audioType, body: ByteBuffer(bytes: song))
            await Task.detached { entered.wait() }.value
            let busy = try await send(client, .post, "/v1/tag", headers: audioType, body: song)
            XCTAssertEqual(busy.status, .serviceUnavailable)
            XCTAssertEqual(busy.headers[.retryAfter], "7")
            XCTAssertEqual(try problem(busy).status, 503)
            let slow = try await first
            XCTAssertEqual(slow.status, .gatewayTimeout, "held past the 0.5-s timeout")
            XCTAssertEqual(try problem(slow).status, 504)
            release.signal()
            await server.queue.idleNow()
        }
        XCTAssertEqual(try leftovers(), [], "the timed-out job's file is removed when the job ends")
        XCTAssertEqual(server.queue.completed, 1)
    }
}

let audioType: HTTPFields = [.contentType: "audio/wav"]
let openAPI = Result { try OpenAPIChecker() }

/// Sends one request, checked against the OpenAPI document before it goes and its response after it comes
/// (`route`: the documented path). A request made invalid on purpose (`invalid: true`) must be flagged by the
/// checker, and is then sent all the same to see the server refuse it.
@discardableResult
func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, route: String? = nil,
          headers: HTTPFields = [:], body: Data? = nil, invalid: Bool = false,
          file: StaticString = #filePath, line: UInt = #line) async throws -> TestResponse {
    let checker = try openAPI.get()
    let requestProblems = checker.requestProblems(method: method.rawValue, uri: uri, contentType: headers[.contentType], body: body)
    if invalid {
        XCTAssertFalse(requestProblems.isEmpty, "\(method) \(uri) is invalid on purpose, yet the checker passed it", file: file, line: line)
    } else {
        XCTAssertEqual(requestProblems, [], "\(method) \(uri): the request does not match the document", file: file, line: line)
    }
    let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
    let documented = route ?? String(uri.split(separator: "?")[0])
    let problems = checker.problems(path: documented, method: method.rawValue, status: Int(response.status.code),
                                    contentType: response.headers[.contentType], body: bytes(response.body))
    XCTAssertEqual(problems, [], "\(method) \(uri) → \(response.status.code): \(text(response.body))", file: file, line: line)
    return response
}

func jsonObject(_ r: TestResponse) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: bytes(r.body)) as! [String: Any]
}

func problem(_ r: TestResponse) throws -> Problem {
    XCTAssertEqual(r.headers[.contentType], "application/problem+json")
    return try JSONDecoder().decode(Problem.self, from: bytes(r.body))
}
