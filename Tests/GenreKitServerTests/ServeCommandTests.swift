import Foundation
import GenreKit
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `genrekit serve` as a process on a real loopback socket: it reports its port, answers, refuses an over-limit
/// upload from its Content-Length alone (the test never sends the body), refuses a public address without a key,
/// and exits cleanly on SIGTERM.
final class ServeCommandTests: XCTestCase {
    var executable: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("genrekit").path
    }

    func testPublicAddressNeedsAKey() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else { return XCTFail("no genrekit at \(executable); build with --build-tests") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = ["serve", "--host", "0.0.0.0", "--port", "0"]
        var env = ProcessInfo.processInfo.environment
        env["GENREKIT_API_KEY"] = nil
        p.environment = env
        let err = Pipe()
        p.standardError = err
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 2)
        XCTAssertTrue(message.contains("pass --api-key KEY"), message)
    }

    func testServesOnLoopbackAndStopsOnSIGTERM() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else { return XCTFail("no genrekit at \(executable); build with --build-tests") }
        guard ModelStore().isInstalled("MSD_musicnn") else {
            if ProcessInfo.processInfo.environment["GENREKIT_REQUIRE_MODELS"] == "1" { return XCTFail("MSD_musicnn missing") }
            throw XCTSkip("MSD_musicnn not installed")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = ["serve", "--port", "0", "--pretrained", "MSD_musicnn", "--max-upload-mb", "5"]
        let err = Pipe()
        p.standardError = err
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        var log = ""
        var port: Int?
        while port == nil {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { return XCTFail("the server stopped: \(log)") }
            log += String(decoding: chunk, as: UTF8.self)
            if let r = log.range(of: "listening on http://127.0.0.1:") {
                port = Int(log[r.upperBound...].prefix { $0.isNumber })
            }
        }
        let health = try Self.exchange(port: port!, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(health.hasPrefix("HTTP/1.1 200"), health)
        XCTAssertTrue(health.contains("\"status\":\"ok\""), health)
        // Declares 50 MB and sends none of it: the answer comes from the header alone.
        let big = try Self.exchange(port: port!, "POST /v1/tag HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\nContent-Length: 50000000\r\n\r\n")
        XCTAssertTrue(big.hasPrefix("HTTP/1.1 413"), big)
        XCTAssertTrue(big.contains("application/problem+json"), big)

        // SIGTERM while a 60-s song is being analysed: the analysis finishes and is answered, then the server exits 0.
        let song = try ServerFixture.wav(freqs: [220, 330], seconds: 60)
        let answer = Locked(""), bound = port!
        let upload = Thread {
            let head = "POST /v1/tag?filename=long.wav HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\nContent-Length: \(song.count)\r\nConnection: close\r\n\r\n"
            let reply = (try? Self.exchange(port: bound, head, body: song)) ?? "no answer"
            answer.withLock { $0 = reply }
        }
        upload.start()
        var running = false
        for _ in 0..<6000 where !running {  // until the job runs (a bound, not a timing check)
            let h = try Self.exchange(port: port!, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            running = h.contains("\"running\":1")
            if !running { if !answer.value.isEmpty { break }; usleep(10_000) }
        }
        XCTAssertTrue(running, "the upload never ran: \(answer.value.prefix(300))")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        for _ in 0..<6000 where answer.value.isEmpty { usleep(10_000) }
        XCTAssertTrue(answer.value.hasPrefix("HTTP/1.1 200"), String(answer.value.prefix(300)))
        XCTAssertTrue(answer.value.contains("\"path\":\"long.wav\""))
        XCTAssertEqual(p.terminationReason, .exit)
        XCTAssertEqual(p.terminationStatus, 0, log)
    }

    /// Sends `request` to 127.0.0.1:`port` and reads the answer's head and body (until the server closes, or the
    /// body's Content-Length is in).
    static func exchange(port: Int, _ request: String, body: Data = Data()) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let bytes = Array(request.utf8) + Array(body)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, 0) }
            if n <= 0 { break }
            sent += n
        }
        var answer = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            answer += buffer[0..<n]
            let text = String(decoding: answer, as: UTF8.self)
            if let headEnd = text.range(of: "\r\n\r\n") {
                let head = text[..<headEnd.lowerBound].lowercased()
                if let r = head.range(of: "content-length: "), let length = Int(head[r.upperBound...].prefix { $0.isNumber }),
                   text.utf8.count - text[..<headEnd.upperBound].utf8.count >= length { break }
            }
        }
        return String(decoding: answer, as: UTF8.self)
    }
}
