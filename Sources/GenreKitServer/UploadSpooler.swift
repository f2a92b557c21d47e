import Foundation
import GenreKit
import Hummingbird

/// Streams a request body into a temporary file, never holding the whole upload in memory, and refuses an upload
/// over ``maxBytes``: by its `Content-Length` before reading a byte, or, without one, as soon as the bytes read pass
/// the limit. On every failure the partial file is removed before the error is thrown.
public struct UploadSpooler: Sendable {
    public let directory: String
    public let maxBytes: Int
    /// Body bytes read so far by every spool (the tests check that a refused upload was not read).
    public let bytesRead = Locked(0)

    public init(directory: String, maxBytes: Int) {
        self.directory = directory
        self.maxBytes = maxBytes
    }

    /// The file name prefix of every spooled upload.
    public static let prefix = "genrekit-upload-"

    /// Checks a declared length before the body is read.
    public func check(declaredLength: Int?) throws(ProblemError) {
        if let n = declaredLength, n > maxBytes { throw tooLarge() }
        if declaredLength == 0 { throw Self.emptyBody }
    }

    /// Writes `body` to a new file in ``directory`` and returns its path; the caller removes it.
    /// - Parameter suffix: the extension to keep (`wav`, `m4a`, …), from the client's file name.
    public func spool<Body: AsyncSequence>(_ body: Body, declaredLength: Int?, suffix: String?) async throws -> String
    where Body.Element == ByteBuffer {
        try check(declaredLength: declaredLength)
        let (path, handle) = try createFile(suffix: suffix)
        do {
            var total = 0
            for try await chunk in body {
                total += chunk.readableBytes
                bytesRead.withLock { $0 += chunk.readableBytes }
                if total > maxBytes { throw tooLarge() }
                try handle.write(contentsOf: Data(chunk.readableBytesView))
            }
            try handle.close()
            if total == 0 { throw Self.emptyBody }
            return path
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    /// A new empty file in ``directory``, readable by this user only, open for writing; the caller removes it.
    public func createFile(suffix: String?) throws(ProblemError) -> (path: String, handle: FileHandle) {
        let path = (directory as NSString).appendingPathComponent(Self.prefix + UUID().uuidString + (suffix.map { "." + $0 } ?? ""))
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw ProblemError(.internalServerError, "spool-failed", "cannot create a temporary file in \(directory); check that it exists and is writable")
        }
        return (path, handle)
    }

    func tooLarge() -> ProblemError {
        ProblemError(.contentTooLarge, "upload-too-large",
                     "the upload is larger than this server's limit of \(Self.megabytes(maxBytes)); send a shorter or more compressed file")
    }

    static let emptyBody = ProblemError(.badRequest, "empty-body", "the request has no body; send the audio file's bytes as the request body")

    static func megabytes(_ bytes: Int) -> String {
        bytes % (1024 * 1024) == 0 ? "\(bytes / (1024 * 1024)) MB" : "\(bytes) bytes"
    }
}
