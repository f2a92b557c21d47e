import Foundation
import GenreKit
@testable import GenreKitServer
import Hummingbird
import HummingbirdTesting
import XCTest

/// Several files in one `multipart/form-data` upload: one result per file in part order (a bad file's problem in its
/// place, the others analysed), the size limit over the whole body (refused before it is read), problems with the
/// request as a whole, the server-rendered HTML page, and no temporary file left on any path.
final class MultipartUploadTests: ServerTestCase {
    struct Results: Decodable {
        struct Item: Decodable { var index: Int; var filename: String; var status: Int; var record: TagRecord?; var problem: Problem? }
        var results: [Item]
    }

    func testSeveralFilesGiveOneResultEachInPartOrder() async throws {
        let server = try makeServer()
        let bells = try ServerFixture.wav(freqs: [880, 1320, 1760], pulse: 2, seconds: 7)
        let drone = try ServerFixture.wav(freqs: [110, 165], seconds: 7)
        var f = MultipartForm()
        f.field("model", "MSD_musicnn")
        f.field("top", "3")
        f.file("file", filename: "bells.wav", type: "audio/wav", bells)
        f.file("file", filename: "notes.txt", type: "application/octet-stream", Data(String(repeating: "not audio\n", count: 40).utf8))
        f.file("file", filename: "drone.wav", type: "audio/wav", drone)
        f.file("file", filename: "readme.txt", type: "text/plain", Data("hello".utf8))
        let form = f
        let body = form.finished
        try await Application(router: server.router()).test(.router) { client in
            let r = try await send(client, .post, "/v1/tag", headers: form.headers, body: body)
            XCTAssertEqual(r.status, .ok, text(r.body))
            let items = try JSONDecoder().decode(Results.self, from: bytes(r.body)).results
            XCTAssertEqual(items.map(\.index), [0, 1, 2, 3])
            XCTAssertEqual(items.map(\.filename), ["bells.wav", "notes.txt", "drone.wav", "readme.txt"])
            XCTAssertEqual(items.map(\.status), [200, 415, 200, 415])
            XCTAssertTrue(items[1].problem?.detail.hasPrefix("notes.txt: not a readable audio file") == true, "\(String(describing: items[1].problem))")
            XCTAssertTrue(items[3].problem?.detail.contains("text/plain is not audio") == true)
            XCTAssertNil(items[1].record)

            // Each file's record is the one a single upload of it gets.
            for (k, song, name) in [(0, bells, "bells.wav"), (2, drone, "drone.wav")] {
                let single = try await send(client, .post, "/v1/tag?model=MSD_musicnn&top=3&filename=\(name)", headers: audioType, body: song)
                let expected = try JSONDecoder().decode(TagRecord.self, from: bytes(single.body))
                let got = try XCTUnwrap(items[k].record)
                XCTAssertEqual(got.path, name)
                XCTAssertEqual(got.topTags?.count, 3, "the form's top field")
                XCTAssertEqual(got.topTags?.map(\.tag), expected.topTags?.map(\.tag))
                XCTAssertEqual(got.taggram?.count, 2)
                for (x, y) in zip(got.taggram!.joined(), expected.taggram!.joined()) { XCTAssertEqual(x, y, accuracy: 1e-5) }
            }
        }
        XCTAssertEqual(server.spooler.bytesRead.value, body.count + bells.count + drone.count, "the form streamed once, the singles once")
        XCTAssertEqual(try leftovers(), [], "every part's file removed, good and bad")
    }

    func testMultipartOverTheLimitIsRefusedBeforeTheBodyIsRead() async throws {
        let server = try makeServer { $0.maxUploadBytes = 10_000 }
        var f = MultipartForm()
        f.file("file", filename: "a.wav", type: "audio/wav", Data(count: 6_000))
        f.file("file", filename: "b.wav", type: "audio/wav", Data(count: 6_000))
        let form = f
        try await Application(router: server.router()).test(.router) { client in
            let r = try await send(client, .post, "/v1/tag", headers: form.headers, body: form.finished)
            XCTAssertEqual(r.status, .contentTooLarge, "each part is under the limit, the request is not")
            XCTAssertTrue(try problem(r).detail.contains("10000 bytes"))
        }
        XCTAssertEqual(server.spooler.bytesRead.value, 0, "refused by Content-Length, not a byte read")
        XCTAssertEqual(try leftovers(), [])
    }

    /// Without a Content-Length the whole body's bytes are counted as they stream: the upload stops at the first
    /// chunk past the limit, and the part being written is removed.
    func testMultipartWithoutLengthIsCutAtTheLimit() async throws {
        let server = try makeServer { $0.maxUploadBytes = 10_000 }
        var f = MultipartForm()
        f.file("file", filename: "a.wav", type: "audio/wav", Data(count: 6_000))
        f.file("file", filename: "b.wav", type: "audio/wav", Data(count: 6_000))
        f.file("file", filename: "c.wav", type: "audio/wav", Data(count: 6_000))
        let form = f
        let body = [UInt8](form.finished)
        let pulled = Locked(0)
        let chunks = AsyncStream<ByteBuffer> { c in
            for i in stride(from: 0, to: body.count, by: 1000) { c.yield(ByteBuffer(bytes: body[i..<min(body.count, i + 1000)])) }
            c.finish()
        }.map { b -> ByteBuffer in pulled.withLock { $0 += 1 }; return b }
        let request = Request(head: .init(method: .post, scheme: "http", authority: "localhost", path: "/v1/tag",
                                          headerFields: [.contentType: form.contentType]),
                              body: RequestBody(asyncSequence: chunks))
        do {
            _ = try await server.analyse(request, .tag)
            XCTFail("accepted a multipart upload over the limit")
        } catch let e as ProblemError {
            XCTAssertEqual(e.status, .contentTooLarge)
        }
        XCTAssertEqual(pulled.value, 11, "stops at the first chunk past 10 000 bytes")
        XCTAssertEqual(try leftovers(), [], "the part cut short is removed")
    }

    func testRequestProblemsFailTheWholeUpload() async throws {
        let server = try makeServer()
        let song = try ServerFixture.wav(freqs: [440], seconds: 3)
        try await Application(router: server.router()).test(.router) { client in
            var unknown = MultipartForm()
            unknown.field("model", "nope")
            unknown.file("file", filename: "a.wav", type: "audio/wav", song)
            let r404 = try await send(client, .post, "/v1/tag", headers: unknown.headers, body: unknown.finished)
            XCTAssertEqual(r404.status, .notFound)

            var late = MultipartForm()
            late.file("file", filename: "a.wav", type: "audio/wav", song)
            late.field("top", "3")
            let r = try await send(client, .post, "/v1/tag", headers: late.headers, body: late.finished)
            XCTAssertEqual(r.status, .badRequest)
            XCTAssertTrue(try problem(r).detail.contains("put the fields"))

            var none = MultipartForm()
            none.field("model", "MSD_musicnn")
            let empty = try await send(client, .post, "/v1/tag", headers: none.headers, body: none.finished, invalid: true)
            XCTAssertEqual(empty.status, .badRequest)
            XCTAssertTrue(try problem(empty).detail.contains("no file"))

            var cut = MultipartForm()
            cut.file("file", filename: "a.wav", type: "audio/wav", song)
            let truncated = try await send(client, .post, "/v1/tag", headers: cut.headers, body: cut.body, invalid: true)
            XCTAssertEqual(truncated.status, .badRequest)
            XCTAssertTrue(try problem(truncated).detail.contains("closing boundary"))

            var predict = MultipartForm()
            predict.field("model", "genres")
            predict.file("file", filename: "drone.wav", type: "audio/wav", try ServerFixture.wav(freqs: [110, 165], seconds: 7))
            let p = try await send(client, .post, "/v1/predict", headers: predict.headers, body: predict.finished)
            XCTAssertEqual(p.status, .ok, text(p.body))
            let results = try XCTUnwrap(try jsonObject(p)["results"] as? [[String: Any]])
            XCTAssertEqual((results.first?["record"] as? [String: Any])?["genre"] as? String, "drone", "model from the form field")
        }
        XCTAssertEqual(try leftovers(), [])
    }

    /// The page's form without JavaScript: the server answers HTML with each file's taggram drawn by GenreKitCharts.
    func testHTMLFallbackDrawsTheTaggramOnTheServer() async throws {
        let server = try makeServer()
        var f = MultipartForm()
        f.field("model", "MSD_musicnn")
        f.field("top", "5")
        f.file("file", filename: "bells.wav", type: "audio/wav", try ServerFixture.wav(freqs: [880, 1320, 1760], pulse: 2, seconds: 7))
        f.file("file", filename: "notes.txt", type: "text/plain", Data("hello".utf8))
        let form = f
        try await Application(router: server.router()).test(.router) { client in
            let page = try await send(client, .get, "/")
            XCTAssertTrue(text(page.body).contains("<form method=\"post\" action=\"/v1/tag?format=html\" enctype=\"multipart/form-data\""))

            let r = try await send(client, .post, "/v1/tag?format=html", headers: form.headers, body: form.finished)
            XCTAssertEqual(r.status, .ok)
            XCTAssertEqual(r.headers[.contentType], "text/html; charset=utf-8")
            let html = text(r.body)
            XCTAssertTrue(html.contains("1 files tagged, 1 failed."), "one good file, one refused")
            XCTAssertTrue(html.contains("bells.wav"))
            XCTAssertTrue(html.contains("notes.txt") && html.contains("text/plain is not audio"), "the refused file's message")
            // One heat map: 2 windows (7 s, back-to-back 3-s windows) × 20 tags (MSD_musicnn's 50 tags, the batch's 20 first).
            let maps = html.components(separatedBy: "class=\"hm-cells\"").count - 1
            XCTAssertEqual(maps, 1)
            let cells = html.components(separatedBy: "class=\"hm-cell\"").count - 1
            XCTAssertEqual(cells, 2 * 20)
            XCTAssertTrue(html.contains("data-row=\"19\" data-col=\"1\""), "the last cell")
            XCTAssertFalse(html.contains("<script"), "drawn on the server")
            XCTAssertTrue(html.contains("<a href=\"/\">"), "a way back to the form")
        }
        XCTAssertEqual(try leftovers(), [])
    }
}
