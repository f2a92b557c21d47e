import Foundation
import XCTest

/// Temporary folders of empty files for the dataset tests (loading a dataset never opens the audio).
extension XCTestCase {
    /// A fresh temporary folder, removed after the test.
    func makeTemporaryFolder(_ name: String = "gk-dataset") -> String {
        let dir = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return URL(fileURLWithPath: dir).standardizedFileURL.path
    }

    /// Creates `root/<relative>` (and its folders) with `contents`.
    @discardableResult
    func makeFile(_ root: String, _ relative: String, _ contents: String = "") -> String {
        let path = root + "/" + relative
        try! FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! contents.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }
}
