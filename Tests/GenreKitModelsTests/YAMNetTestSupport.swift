import Foundation
import XCTest
import GenreKitModels

/// Locates and loads (once) YAMNet for the tests: the model cache (`scripts/setup.sh`), else `GENREKIT_YAMNET`,
/// else `../shared/models/yamnet.tflite` next to the repository. Absent everywhere: skipped — a failure when
/// `GENREKIT_REQUIRE_MODELS=1` and the shared copy exists (set-up would have installed it).
enum LoadedYAMNet {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cached: YAMNetModel?

    static var sharedCopy: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/models/yamnet.tflite").path
    }

    /// Path of a YAMNet file, or `XCTSkip`.
    static func path() throws -> String {
        let store = ModelStore()
        if store.isYAMNetInstalled { return store.yamnetModelPath }
        if let p = ProcessInfo.processInfo.environment["GENREKIT_YAMNET"], FileManager.default.fileExists(atPath: p) { return p }
        if FileManager.default.fileExists(atPath: sharedCopy) {
            if ProcessInfo.processInfo.environment["GENREKIT_REQUIRE_MODELS"] == "1" {
                XCTFail("YAMNet not installed under \(store.root) although \(sharedCopy) exists: run scripts/setup.sh")
            }
            return sharedCopy
        }
        throw XCTSkip("YAMNet not installed (scripts/setup.sh with ../shared/models, or GENREKIT_YAMNET)")
    }

    static func model() throws -> YAMNetModel {
        lock.lock()
        defer { lock.unlock() }
        if let m = cached { return m }
        let p = try path()
        let map = (p as NSString).deletingLastPathComponent + "/" + YAMNetModel.classMapFileName
        let m = try YAMNetModel(path: p, classMapPath: FileManager.default.fileExists(atPath: map) ? map : nil)
        cached = m
        return m
    }

    /// yamnet.json of the fixtures.
    static func meta() throws -> [String: Any] {
        guard let p = Fixtures.path("yamnet/yamnet.json"), let d = FileManager.default.contents(atPath: p),
              let j = try JSONSerialization.jsonObject(with: d) as? [String: Any] else { throw XCTSkip("yamnet fixtures absent") }
        return j
    }
}
