import GenreKitBenchmarks
import XCTest
@testable import GenreKitModels

/// Prints per-layer-group timings (no assertion). Meaningful only in release builds:
/// `GENREKIT_MODELS=… swift test -c release -Xswiftc -enable-testing --filter ModelBenchmarkTests`.
final class ModelBenchmarkTests: XCTestCase {
    func testPrintTimings() throws {
        #if DEBUG
        throw XCTSkip("timing probe: run with -c release")
        #else
        for name in ["MSD_musicnn", "MTT_musicnn"] {
            guard case .musicnn(let m) = try LoadedModels.model(name) else { continue }
            print(ModelBenchmark.report(m))
            if name == "MSD_musicnn", case .musicnn(let full) = try LoadedModels.model(name, pruned: false) {
                print("unpruned " + ModelBenchmark.report(full))
            }
        }
        if case .vgg(let v) = try LoadedModels.model("MTT_vgg") { print(ModelBenchmark.report(v)) }
        #endif
    }
}
