import Foundation
@testable import GenreKitServer
import XCTest

/// The checker itself: it must flag what it is there to flag.
final class OpenAPICheckerTests: XCTestCase {
    func testFlagsMissingFieldsWrongTypesAndUndocumentedStatuses() throws {
        let checker = try OpenAPIChecker()
        let json = "application/json"
        let good = Data(#"{"status":"ok","models":1,"jobs":{"workers":1,"running":0,"waiting":0,"depth":1}}"#.utf8)
        XCTAssertEqual(checker.problems(path: "/healthz", method: "GET", status: 200, contentType: json, body: good), [])
        let missing = Data(#"{"status":"ok","models":1,"jobs":{"workers":1,"running":0,"waiting":0}}"#.utf8)
        XCTAssertEqual(checker.problems(path: "/healthz", method: "GET", status: 200, contentType: json, body: missing), ["$.jobs: missing required 'depth'"])
        let wrongType = Data(#"{"status":"ok","models":"one","jobs":{"workers":1,"running":0,"waiting":0,"depth":1}}"#.utf8)
        XCTAssertEqual(checker.problems(path: "/healthz", method: "GET", status: 200, contentType: json, body: wrongType).count, 1)
        XCTAssertEqual(checker.problems(path: "/healthz", method: "GET", status: 418, contentType: json, body: good), ["GET /healthz: status 418 is not documented"])
        let problem = Data(#"{"type":"urn:x","title":"Bad Request","status":400}"#.utf8)
        XCTAssertEqual(checker.problems(path: "/v1/tag", method: "POST", status: 400, contentType: "application/problem+json", body: problem),
                       ["$: missing required 'detail'"])
        XCTAssertEqual(checker.problems(path: "/v1/tag", method: "POST", status: 400, contentType: json, body: problem).count, 1, "wrong content type")
    }

    /// Requests: each kind of mistake the document rules out is flagged, and a request that follows it is not.
    func testFlagsInvalidRequests() throws {
        let checker = try OpenAPIChecker()
        let wav = Data(repeating: 1, count: 64)
        func check(_ uri: String, _ type: String? = "audio/wav", _ body: Data? = nil, method: String = "POST") -> [String] {
            checker.requestProblems(method: method, uri: uri, contentType: type, body: body ?? wav)
        }
        XCTAssertEqual(check("/v1/tag?model=MSD_musicnn&top=5&length=3&overlap=0.5&filename=a%20b.wav&format=html"), [])
        XCTAssertEqual(check("/v1/predict?model=genres&aggregate=vote", "application/octet-stream"), [])
        XCTAssertEqual(check("/healthz", nil, Data(), method: "GET"), [])
        XCTAssertEqual(check("/v1/tag?top=abc"), ["query.top: 'abc' is not integer"])
        XCTAssertEqual(check("/v1/tag?top=2.5"), ["query.top: '2.5' is not integer"])
        XCTAssertEqual(check("/v1/tag?top=0"), ["query.top: 0.0 < 1.0"])
        XCTAssertEqual(check("/v1/tag?length=601"), ["query.length: 601.0 > 600.0"])
        XCTAssertEqual(check("/v1/tag?format=xml").count, 1, "not in the enum")
        XCTAssertEqual(check("/v1/tag?model=..%2Fetc").count, 1, "the model name's pattern")
        XCTAssertEqual(check("/v1/tag?colour=red"), ["query parameter 'colour' is not documented"])
        XCTAssertEqual(check("/v1/predict?aggregate=vote"), ["missing required query parameter 'model'"])
        XCTAssertEqual(check("/v1/tag", "text/plain"), ["request Content-Type 'text/plain' is not documented"])
        XCTAssertEqual(check("/v1/tag", nil), ["a request body without Content-Type"])
        XCTAssertEqual(check("/v1/tag", "audio/wav", Data()), ["missing required request body"])
        XCTAssertEqual(check("/v1/tag", method: "DELETE"), ["DELETE /v1/tag is not in the document"])
        XCTAssertEqual(check("/v1/models", nil, wav, method: "GET"), ["GET /v1/models takes no body"])

        var form = MultipartForm()
        form.field("model", "MSD_musicnn")
        form.field("top", "3")
        form.file("file", filename: "a.wav", type: "audio/wav", wav)
        form.file("file", filename: "b.wav", type: "audio/wav", wav)
        XCTAssertEqual(check("/v1/tag", form.contentType, form.finished), [])
        var bad = MultipartForm()
        bad.field("top", "lots")
        bad.field("colour", "red")
        XCTAssertEqual(Set(check("/v1/tag", bad.contentType, bad.finished)),
                       ["form.top: expected integer, got String", "form: missing required 'file'", "form: 'colour' is not a documented property"])
        XCTAssertEqual(check("/v1/tag", form.contentType, form.body), ["the multipart body does not parse"], "no closing boundary")
        var predict = MultipartForm()
        predict.field("model", "genres")
        predict.file("file", filename: "a.wav", type: "audio/wav", wav)
        XCTAssertEqual(check("/v1/predict", predict.contentType, predict.finished), [], "the required model as a form field")
        var noModel = MultipartForm()
        noModel.file("file", filename: "a.wav", type: "audio/wav", wav)
        XCTAssertEqual(check("/v1/predict", noModel.contentType, noModel.finished), ["missing required query parameter 'model'"])
    }
}
