// libFuzzer target for GenreKit's model-file reader: bytes → a `.gkmodel` file with a valid header and checksum
// (so the fuzzer reaches the JSON body, not just the checksum test) → GenreModel.read → a prediction on a zero
// song of the model's dimension. Built and run by scripts/fuzz-model-file.sh (not part of the SwiftPM package).
// A crash or a hang is a finding; a refusal (a typed ModelFileError) is the expected answer to a damaged file.
import Foundation
import GenreKit

private let path: String = {
    let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return "\(dir)/genrekit-model-fuzz-\(getpid()).gkmodel"
}()

/// `GENREKIT_FUZZ_PREDICT=1`: also predict with every model that loads (finds files that load but are inconsistent).
private let predict = ProcessInfo.processInfo.environment["GENREKIT_FUZZ_PREDICT"] == "1"

@_cdecl("LLVMFuzzerTestOneInput")
public func genrekitModelFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Data(bytes: data, count: size)
    var file = Data(String(format: "GENREKIT-MODEL %d crc32c=%08x\n", GenreModel.currentFormatVersion, CRC32C.checksum(body)).utf8)
    file.append(body)
    guard FileManager.default.createFile(atPath: path, contents: file) else { fatalError("cannot write \(path)") }
    defer { unlink(path) }
    guard let model = try? GenreModel.read(from: path) else { return 0 }
    // A model that loads must also predict (or refuse) without crashing.
    let d = max(0, min(model.training.dimensions, 1 << 16))
    let item = ItemFeatures(id: "zero", label: -1, windows: [Float](repeating: 0, count: d), windowCount: 1, song: [Float](repeating: 0, count: d))
    if predict { _ = GenreModelRunner(model: model).windowProbabilities(item) }
    return 0
}
