import Foundation
import GenreKit
@testable import GenreKitServer
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import XCTest

/// `GET /v1/stream`: a WebSocket client streams PCM in chunks and gets the lines `genrekit stream` writes for the same
/// bytes; problems come as one JSON message before the close; the API key and the job queue's limits hold.
final class StreamEndpointTests: ServerTestCase {
    var executable: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("genrekit").path
    }

    /// 10.5 s of a gliding two-tone signal with noise at 22.05 kHz, stereo (the channels differ), as s16le bytes.
    static func pcm(seconds: Double = 10.5, rate: Int = 22050) -> [UInt8] {
        var g = SeededGenerator(seed: 7)
        var bytes: [UInt8] = []
        for i in 0..<Int(seconds * Double(rate)) {
            let t = Double(i) / Double(rate)
            let left = 0.3 * sin(2 * .pi * (220 + 30 * t) * t) + 0.05 * (g.nextUnit() * 2 - 1)
            let right = 0.2 * sin(2 * .pi * 660 * t) * (0.5 + 0.5 * sin(2 * .pi * 2 * t))
            for v in [left, right] {
                let s = Int16(max(-32768, min(32767, (v * 32767).rounded())))
                bytes += [UInt8(truncatingIfNeeded: s), UInt8(truncatingIfNeeded: s >> 8)]
            }
        }
        return bytes
    }

    /// The lines `genrekit stream` prints for `bytes` on standard input.
    func commandLineLines(_ bytes: [UInt8], arguments: [String]) throws -> [StreamLine] {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            XCTFail("no genrekit at \(executable); build with --build-tests")
            return []
        }
        let input = temporary + "/stream.pcm"
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = ["stream"] + arguments + ["--input", input]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        _ = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        return try data.split(separator: 0x0A).map { try JSONDecoder().decode(StreamLine.self, from: Data($0)) }
    }

    /// Every line over the WebSocket equals the command line's for the same PCM: same windows and times, each label's
    /// score and the running decision's within 1e-4 (the bound `StreamTests` holds between the stream and the file
    /// pipeline: BLAS may split work differently between the server's one-thread jobs and the command), the labels
    /// ordered by score. The first line arrives before the rest of the audio is sent: windows go out as they complete.
    func testStreamGivesTheCommandLineLines() async throws {
        let server = try makeServer()
        let labels = try XCTUnwrap(server.registry.infos.first { $0.name == "MSD_musicnn" }).labels.count
        let bytes = Self.pcm()
        let cli = try commandLineLines(bytes, arguments: ["--model", "MSD_musicnn", "--pcm", "s16le", "--rate", "22050", "--channels", "2",
                                                          "--top", "\(labels)", "--aggregate", "ema:0.5"])
        // 10.5 s at 16 kHz: 168 000 samples, 657 frames; the file pipeline's windows of that many frames (3).
        XCTAssertEqual(cli.count, try Patches.musicnn().count(frames: 1 + 168_000 / MusicnnInput.hopLength))
        XCTAssertEqual(cli.count, 3)

        let uri = "/v1/stream?model=MSD_musicnn&pcm=s16le&rate=22050&channels=2&top=\(labels)&aggregate=ema:0.5"
        let checker = try openAPI.get()
        XCTAssertEqual(checker.requestProblems(method: "GET", uri: uri, contentType: nil, body: nil), [])
        let messages = Locked<[String]>([])
        let firstBeforeRest = Locked(false)
        // 4 s of audio first (the first 3-s window and a bit), in chunks of 3001 bytes: frames split across messages.
        let split = 4 * 22050 * 4 + 2
        let close = try await server.application().test(.live) { client in
            try await client.ws(uri) { inbound, outbound, _ in
                var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                for start in stride(from: 0, to: split, by: 3001) {
                    try await outbound.write(.binary(ByteBuffer(bytes: bytes[start..<min(split, start + 3001)])))
                }
                if case .text(let first)? = try await iterator.next() {
                    messages.withLock { $0.append(first) }
                    firstBeforeRest.withLock { $0 = true }
                }
                for start in stride(from: split, to: bytes.count, by: 3001) {
                    try await outbound.write(.binary(ByteBuffer(bytes: bytes[start..<min(bytes.count, start + 3001)])))
                }
                try await outbound.write(.text("end"))
                while let message = try await iterator.next() {
                    if case .text(let line) = message { messages.withLock { $0.append(line) } }
                }
            }
        }
        XCTAssertEqual(close?.closeCode, .normalClosure)
        XCTAssertTrue(firstBeforeRest.withLock { $0 }, "window 0's line came before the rest of the audio was sent")
        let schema = try XCTUnwrap(checker.serverMessageSchema(path: "/v1/stream"))
        let texts = messages.withLock { $0 }
        for text in texts {
            let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
            XCTAssertEqual(checker.validate(value, schema, at: "$"), [], text)
        }
        let lines = try texts.map { try JSONDecoder().decode(StreamLine.self, from: Data($0.utf8)) }
        XCTAssertEqual(lines.count, cli.count)
        for (got, want) in zip(lines, cli) {
            XCTAssertEqual(got.window, want.window)
            XCTAssertEqual(got.startSeconds, want.startSeconds)
            XCTAssertEqual(got.endSeconds, want.endSeconds)
            XCTAssertEqual(got.top.count, labels)
            XCTAssertEqual(got.song.aggregate, "ema:0.5")
            XCTAssertTrue(zip(got.top, got.top.dropFirst()).allSatisfy { $0.p >= $1.p }, "window \(got.window): labels by score")
            Self.assertClose(got.top, want.top, "window \(got.window)")
            Self.assertClose(got.song.top, want.song.top, "window \(got.window)'s running decision")
            let gap = want.song.top[0].p - want.song.top[1].p
            if gap > 2e-4 { XCTAssertEqual(got.song.label, want.song.label, "window \(got.window)") }
            XCTAssertGreaterThanOrEqual(got.latencyMs, 0)
        }
    }

    /// Each label's score in `got` is `want`'s within 1e-4, and both name the same labels.
    static func assertClose(_ got: [StreamLine.Label], _ want: [StreamLine.Label], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let expected = Dictionary(uniqueKeysWithValues: want.map { ($0.label, $0.p) })
        XCTAssertEqual(Set(got.map(\.label)), Set(expected.keys), what, file: file, line: line)
        for l in got {
            XCTAssertEqual(l.p, expected[l.label] ?? .nan, accuracy: 1e-4, "\(what): \(l.label)", file: file, line: line)
        }
    }

    /// Opens `uri`, sends `text` (else a little PCM), and returns the one message that must come (a problem: one of
    /// the request itself is answered at the first message) and the close.
    static func exchange(_ client: some TestClientProtocol, _ uri: String, send text: String? = nil,
                         file: StaticString = #filePath, line: UInt = #line) async throws -> (Problem?, WebSocketCloseFrame?) {
        let checker = try openAPI.get()
        let schema = try XCTUnwrap(checker.serverMessageSchema(path: "/v1/stream"))
        let got = Locked<[String]>([])
        let close = try await client.ws(uri) { inbound, outbound, _ in
            if let text { try await outbound.write(.text(text)) } else { try await outbound.write(.binary(ByteBuffer(bytes: [0, 0, 0, 0]))) }
            for try await message in inbound.messages(maxSize: 1 << 20) {
                if case .text(let t) = message { got.withLock { $0.append(t) } }
            }
        }
        let texts = got.withLock { $0 }
        XCTAssertEqual(texts.count, 1, "\(uri): one message, the problem", file: file, line: line)
        for t in texts {
            XCTAssertEqual(checker.validate(try JSONSerialization.jsonObject(with: Data(t.utf8)), schema, at: "$"), [], file: file, line: line)
        }
        return (try texts.first.map { try JSONDecoder().decode(Problem.self, from: Data($0.utf8)) }, close)
    }

    /// Problems: one JSON message, then the close code that goes with it; a plain GET says to upgrade.
    func testProblemsComeAsOneMessageBeforeTheClose() async throws {
        let server = try makeServer()
        try await server.application().test(.live) { client in
            let (unknown, c1) = try await Self.exchange(client, "/v1/stream?model=nope")
            XCTAssertEqual(unknown?.status, 404)
            XCTAssertEqual(c1?.closeCode, .policyViolation)
            let (badRate, c2) = try await Self.exchange(client, "/v1/stream?rate=5")
            XCTAssertEqual(badRate?.status, 400)
            XCTAssertEqual(c2?.closeCode, .policyViolation)
            let (tagger, _) = try await Self.exchange(client, "/v1/stream?model=texture")
            XCTAssertEqual(tagger?.status, 400, "a trained tagger cannot stream yet")
            let (text, c3) = try await Self.exchange(client, "/v1/stream?model=genres", send: "hello")
            XCTAssertEqual(text?.type, "urn:genrekit:problem:bad-message")
            XCTAssertEqual(c3?.closeCode, .unacceptableData)
        }
        try await Application(router: server.router()).test(.router) { client in
            let plain = try await send(client, .get, "/v1/stream?model=genres&aggregate=mean")
            XCTAssertEqual(plain.status, .upgradeRequired)
            XCTAssertEqual(try problem(plain).type, "urn:genrekit:problem:websocket-required")
            let unknown = try await send(client, .get, "/v1/stream?model=nope")
            XCTAssertEqual(unknown.status, .notFound)
            let bad = try await send(client, .get, "/v1/stream?pcm=u8", invalid: true)
            XCTAssertEqual(bad.status, .badRequest)
        }
    }

    /// With a key, the handshake needs it (a header, or the subprotocol a browser can send); a stream starts only
    /// when the job queue has room (else 503 as a message and close 1013).
    func testKeyAndQueueLimits() async throws {
        let keyed = try makeServer { $0.apiKey = "s3cret" }
        try await keyed.application().test(.live) { client in
            do {
                try await client.ws("/v1/stream") { _, _, _ in }
                XCTFail("the upgrade without the key was accepted")
            } catch {}
            for headers: HTTPFields in [[HTTPFields.Element.Name("X-API-Key")!: "s3cret"], [.secWebSocketProtocol: "genrekit.stream, genrekit.key.s3cret"]] {
                let lines = Locked(0)
                let close = try await client.ws("/v1/stream?model=MSD_musicnn", configuration: .init(additionalHeaders: headers)) { inbound, outbound, _ in
                    try await outbound.write(.binary(ByteBuffer(bytes: [UInt8](repeating: 0, count: 4 * 16000))))
                    try await outbound.write(.text("end"))
                    for try await case .text(_) in inbound.messages(maxSize: 1 << 20) { lines.withLock { $0 += 1 } }
                }
                XCTAssertEqual(close?.closeCode, .normalClosure, "\(headers)")
                XCTAssertEqual(lines.withLock { $0 }, 1, "1 s of silence: the one padded window of a clip shorter than a window")
            }
        }

        let busy = try makeServer { $0.jobs = 1; $0.queueDepth = 0 }
        let gate = DispatchSemaphore(value: 0)
        let holding = Task { try await busy.queue.run(timeout: nil) { gate.wait() } }
        defer { gate.signal() }
        while busy.queue.load.running < 1 { try await Task.sleep(nanoseconds: 1_000_000) }
        try await busy.application().test(.live) { client in
            let got = Locked<[String]>([])
            let close = try await client.ws("/v1/stream") { inbound, outbound, _ in
                try await outbound.write(.binary(ByteBuffer(bytes: [0, 0, 0, 0])))
                for try await case .text(let t) in inbound.messages(maxSize: 1 << 20) { got.withLock { $0.append(t) } }
            }
            let texts = got.withLock { $0 }
            XCTAssertEqual(texts.count, 1)
            let p = try texts.first.map { try JSONDecoder().decode(Problem.self, from: Data($0.utf8)) }
            XCTAssertEqual(p?.status, 503)
            XCTAssertEqual(close?.closeCode, .unknown(1013))
        }
        gate.signal()
        _ = try await holding.value
    }
}
