import Foundation
import XCTest
@testable import GenreKitModels

final class ModelStoreCheckpointTests: XCTestCase {
    func testRootFromEnvironment() {
        XCTAssertEqual(ModelStore(environment: ["GENREKIT_MODELS": "/data/m", "HOME": "/home/u"]).root, "/data/m")
        XCTAssertEqual(ModelStore(environment: ["GENREKIT_MODELS": "~/w", "HOME": "/home/u"]).root, "/home/u/w")
        XCTAssertEqual(ModelStore(environment: ["HOME": "/home/u"]).root, "/home/u/.cache/genrekit/models")
        XCTAssertEqual(ModelStore(environment: ["GENREKIT_MODELS": "", "HOME": "/home/u"]).root,
                       "/home/u/.cache/genrekit/models")
    }

    func testKnownModels() {
        XCTAssertEqual(ModelStore.knownModels, ["MTT_musicnn", "MSD_musicnn", "MSD_musicnn_big", "MTT_vgg", "MSD_vgg"])
    }

    func testMissingModelTellsToRunSetup() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("genrekit-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("MTT_musicnn"), withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let store = ModelStore(root: root.path)
        for name in ["MTT_musicnn", "MSD_vgg"] {  // empty folder, absent folder
            XCTAssertThrowsError(try store.checkpointDirectory(for: name)) { error in
                let text = String(describing: error)
                XCTAssertTrue(text.contains("scripts/setup.sh"), text)
                XCTAssertTrue(text.contains(root.path + "/" + name), text)
            }
        }
        try CheckpointFixture.write(to: root.appendingPathComponent("MSD_vgg"))
        XCTAssertEqual(try store.checkpointDirectory(for: "MSD_vgg"), root.path + "/MSD_vgg")
        XCTAssertEqual(try store.checkpoint(for: "MSD_vgg").entries.count, 10)
    }
}
