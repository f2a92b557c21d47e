import Foundation
import GenreKitAudio
import GenreKitCore

extension SHA256Hash {
    /// Lower-case hexadecimal digest of the file at `path`, read in blocks of `blockSize` bytes.
    /// - Throws: ``GenreKitAudio/AudioError/fileNotFound(path:)`` when there is no such file, or the read error.
    public static func hexDigest(ofFileAt path: String, blockSize: Int = 1 << 20) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw AudioError.fileNotFound(path: path) }
        defer { try? handle.close() }
        var s = SHA256Hash()
        while let chunk = try handle.read(upToCount: blockSize), !chunk.isEmpty {
            s.update(chunk)
        }
        return hexString(s.finalize())
    }
}
