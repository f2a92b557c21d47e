import Foundation
import GenreKit
@testable import GenreKitServer
import Hummingbird
import HummingbirdTesting
import XCTest

/// What the server tests share: synthetic songs, one registry (MSD_musicnn and a genre classifier trained here on
/// two synthetic "genres"), loaded once for the whole test class, and the OpenAPI document's checker.
enum ServerFixture {
    /// A mono 16-kHz WAV: a chord of `freqs`, pulsing at `pulse` Hz (0: steady), `seconds` long.
    static func wav(freqs: [Double], pulse: Double = 0, seconds: Double = 4, detune: Double = 0) throws -> Data {
        let sr = 16000, n = Int(seconds * Double(sr))
        var x = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let t = Double(i) / Double(sr)
            let env = pulse > 0 ? 0.5 + 0.5 * sin(2 * .pi * pulse * t) : 1
            var s = 0.0
            for f in freqs { s += sin(2 * .pi * f * (1 + detune) * t) }
            x[i] = Float(0.2 * env * s / Double(freqs.count))
        }
        let path = NSTemporaryDirectory() + "gk-server-wav-\(UUID().uuidString).wav"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try AudioEncoder.write(x, channels: 1, sampleRate: sr, format: .wav16, to: path)
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    static let genres: [(name: String, freqs: [Double], pulse: Double)] = [("drone", [110, 165], 0), ("bells", [880, 1320, 1760], 2)]

    /// The loaded registry, or nil when MSD_musicnn is not installed.
    static let registry: Result<ModelRegistry, Error>? = {
        guard ModelStore().isInstalled("MSD_musicnn") else { return nil }
        return Result<ModelRegistry, Error> {
            let folder = NSTemporaryDirectory() + "gk-server-models-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let spec = try CombinedFeatureSpec(parsing: "MSD_musicnn:max_pool")
            let extractor = try CombinedFeatureExtractor(spec: spec, cache: nil)
            var items: [ItemFeatures] = []
            for (label, g) in genres.enumerated() {
                for k in 0..<3 {
                    let path = "\(folder)/\(g.name)\(k).wav"
                    try wav(freqs: g.freqs, pulse: g.pulse, detune: 0.01 * Double(k)).write(to: URL(fileURLWithPath: path))
                    let f = try extractor.extract(paths: [path], progress: nil)[0].get()
                    items.append(ItemFeatures(id: path, label: label, windows: f.windows.matrix.values, windowCount: f.windows.windowCount,
                                              song: f.song, windowStarts: f.windows.windowStarts))
                    try FileManager.default.removeItem(atPath: path)
                }
            }
            let model = try Trainer(settings: TrainerSettings(choice: .logreg, folds: 0))
                .train(items, labels: genres.map(\.name), featureSpec: spec.key)
            try model.write(to: "\(folder)/genres.gkmodel")
            // A tagger on the same features: drone is "low" and "steady", bells "high".
            let tagged = items.map { i in
                ItemFeatures(id: i.id, label: -1, windows: i.windows, windowCount: i.windowCount, song: i.song, windowStarts: i.windowStarts,
                             labelSet: i.label == 0 ? [0, 2] : [1])
            }
            let tagger = try TagTrainer(settings: TrainerSettings(choice: .logreg, folds: 0))
                .train(tagged, labels: ["low", "high", "steady"], featureSpec: spec.key)
            try tagger.write(to: "\(folder)/texture.gkmodel")
            try Data("not a model".utf8).write(to: URL(fileURLWithPath: "\(folder)/broken.gkmodel"))
            return try ModelRegistry(pretrained: ["MSD_musicnn"], store: ModelStore(), directory: folder)
        }
    }()

    /// The shared registry, or a skip (a failure with GENREKIT_REQUIRE_MODELS=1).
    static func loadedRegistry() throws -> ModelRegistry {
        guard let registry else {
            if ProcessInfo.processInfo.environment["GENREKIT_REQUIRE_MODELS"] == "1" { XCTFail("MSD_musicnn missing") }
            throw XCTSkip("MSD_musicnn not installed")
        }
        return try registry.get()
    }
}

/// What every server test class shares: a temporary upload folder of its own, a server on the shared registry,
/// and the uploads left behind (none, after every request).
class ServerTestCase: XCTestCase {
    var temporary = ""

    override func setUpWithError() throws {
        temporary = NSTemporaryDirectory() + "gk-server-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: temporary)
    }

    func makeServer(_ adjust: (inout ServerConfiguration) -> Void = { _ in }) throws -> GenreKitServer {
        var c = ServerConfiguration()
        c.temporaryDirectory = temporary
        c.jobs = 2
        adjust(&c)
        return GenreKitServer(configuration: c, registry: try ServerFixture.loadedRegistry())
    }

    /// The uploads left in the temporary folder.
    func leftovers() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: temporary).filter { $0.hasPrefix(UploadSpooler.prefix) }
    }
}

/// A `multipart/form-data` body, built as a browser or `curl -F` builds one.
struct MultipartForm {
    let boundary = "----gk-test-\(UUID().uuidString)"
    private(set) var body = Data()

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }
    var headers: HTTPFields { [.contentType: contentType] }

    mutating func field(_ name: String, _ value: String) {
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }

    mutating func file(_ name: String, filename: String, type: String, _ data: Data) {
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
        body += data + Data("\r\n".utf8)
    }

    /// The body with its closing boundary.
    var finished: Data { body + Data("--\(boundary)--\r\n".utf8) }
}

/// A response body's bytes and text.
func bytes(_ buffer: ByteBuffer) -> Data { Data(buffer.readableBytesView) }
func text(_ buffer: ByteBuffer) -> String { String(decoding: buffer.readableBytesView, as: UTF8.self) }
