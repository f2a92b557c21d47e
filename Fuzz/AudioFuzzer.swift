// libFuzzer target for GenreKit's audio entry point: bytes → file → AudioDecoder (libsndfile or FFmpeg) → log-mel.
// Built and run by scripts/fuzz-audio.sh (not part of the SwiftPM package). A crash, a hang, a leak, or an error
// message of more than one line is a finding.
import Foundation
import GenreKitAudio
import GenreKitDSP

private let scratch: String = {
    let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return "\(dir)/genrekit-fuzz-\(getpid())"
}()

private let frontEnd: MusicnnFrontEnd = {
    var f = MusicnnFrontEnd()
    f.decoder = AudioDecoder(sampleRate: 16000, strict: false, onWarning: nil)
    return f
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func genrekitFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // The first byte picks a file-name extension: FFmpeg and libsndfile both look at it.
    let extensions = ["", ".wav", ".mp3", ".flac", ".ogg", ".m4a", ".aac", ".wma", ".wv", ".aiff", ".opus", ".webm"]
    let ext = size > 0 ? extensions[Int(data[0]) % extensions.count] : ""
    let path = scratch + ext
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { fatalError("cannot write \(path)") }
    var off = 0
    while off < size { let n = write(fd, data + off, size - off); if n <= 0 { break }; off += n }
    close(fd)
    defer { unlink(path) }
    do {
        let r = try frontEnd.logMel(path: path)
        precondition(r.logMel.count == r.frames * 96)
        precondition(r.audio.samples.allSatisfy { $0.isFinite }, "non-finite samples passed the decoder")
        if let w = r.audio.warning { precondition(!w.contains("\n"), "multi-line warning: \(w)") }
    } catch {
        let message = "\(error)"
        precondition(!message.contains("\n"), "multi-line error: \(message)")
    }
    return 0
}
