import Foundation
import XCTest
import GenreKit
@testable import GenreKitCatalog

/// `train --cache CATALOG`: a catalog filled by a worker from audio, read back through GenreKit's
/// ``StoredFeatureExtractor``, gives the song vectors and the song-level model that the audio gives.
final class CatalogSongVectorsTests: XCTestCase {
    /// Three "genres" of synthetic tones (not music), four songs each, in `ROOT/<genre>/<song>.wav`.
    static func makeSongs(in root: String) throws {
        let genres: [(String, [Double], Double)] = [("drone", [110, 165], 0), ("bells", [880, 1320], 2), ("buzz", [300, 317], 7)]
        for (name, freqs, pulse) in genres {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
            for k in 0..<4 {
                let sr = 16000, n = sr * 3
                let x = (0..<n).map { i -> Float in
                    let t = Double(i) / Double(sr)
                    let env = pulse > 0 ? 0.5 + 0.5 * sin(2 * .pi * pulse * t) : 1
                    let s = freqs.reduce(0.0) { $0 + sin(2 * .pi * $1 * (1 + 0.013 * Double(k)) * t) }
                    return Float(0.2 * env * s / Double(freqs.count))
                }
                try AudioEncoder.write(x, channels: 1, sampleRate: sr, format: .wav16, to: "\(root)/\(name)/\(name)\(k).wav")
            }
        }
    }

    func testTrainingFromACatalogEqualsTrainingFromTheAudio() async throws {
        let root = NSTemporaryDirectory() + "gk-catalog-train-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.makeSongs(in: root + "/audio")
        let spec = try CombinedFeatureSpec(parsing: "mfcc")

        // A worker fills the catalog from the audio.
        let store = try SQLiteCatalogStore(path: root + "/catalog.sqlite")
        _ = try await store.migrate()
        _ = try await store.add(try CatalogSongSource.songs(at: root + "/audio"))
        var options = CatalogWorkOptions(worker: "w")
        options.concurrency = 2
        let summary = try await CatalogWorker(store: store, processor: try AudioSongProcessor(specs: [spec]), options: options).run()
        XCTAssertEqual(summary.done, 12)
        XCTAssertEqual(summary.failed, 0)

        // The same data read from the audio and from the catalog (by path, as `--cache sqlite:PATH` does).
        XCTAssertTrue(CatalogSongVectors.names("sqlite:" + root + "/catalog.sqlite"))
        XCTAssertTrue(CatalogSongVectors.names(root + "/catalog.sqlite"), "a catalog's SQLite file is recognised")
        let source = FeatureSet.Source(data: root + "/audio")
        let fromAudio = try FeatureSet.load(source, extractor: try CombinedFeatureExtractor(spec: spec, cache: nil))
        let vectors = try XCTUnwrap(try CatalogSongVectors.open(root + "/catalog.sqlite"))
        let fromCatalog = try await Task.detached {   // the reader blocks its thread, as a command's synchronous run does
            try FeatureSet.load(source, extractor: StoredFeatureExtractor(spec: spec, store: vectors))
        }.value
        XCTAssertEqual(fromCatalog.failures.count, 0)
        XCTAssertEqual(fromCatalog.labels, fromAudio.labels)
        XCTAssertEqual(fromCatalog.items.map(\.id), fromAudio.items.map(\.id))
        XCTAssertEqual(fromCatalog.items.map(\.label), fromAudio.items.map(\.label))
        // The worker and the extractor pool the same windows with the same code: the same floats.
        XCTAssertEqual(fromCatalog.items.map(\.song), fromAudio.items.map(\.song))
        XCTAssertTrue(fromCatalog.items.allSatisfy { $0.windowCount == 1 && $0.windows == $0.song })

        // Song-level models trained from each are the same model.
        let trainer = Trainer(settings: TrainerSettings(choice: .logreg, level: .song, folds: 2, seed: 3))
        let a = try trainer.train(fromAudio.items, labels: fromAudio.labels, featureSpec: spec.key)
        let b = try trainer.train(fromCatalog.items, labels: fromCatalog.labels, featureSpec: spec.key)
        XCTAssertEqual(a.training.chosen, b.training.chosen)
        let (ra, rb) = (GenreModelRunner(model: a), GenreModelRunner(model: b))
        for (x, y) in zip(fromAudio.items, fromCatalog.items) {
            XCTAssertEqual(ra.predictSong(x, aggregation: .mean).probabilities, rb.predictSong(y, aggregation: .mean).probabilities)
        }

        // A song the catalog does not hold is a failure that says what to do; the others still load.
        try FileManager.default.copyItem(atPath: root + "/audio/drone/drone0.wav", toPath: root + "/audio/drone/new.wav")
        let partial = try await Task.detached { try FeatureSet.load(source, extractor: StoredFeatureExtractor(spec: spec, store: vectors)) }.value
        XCTAssertEqual(partial.items.count, 12)
        XCTAssertEqual(partial.failures.count, 1)
        XCTAssertTrue(partial.failures.first?.reason.contains("catalog work --features") ?? false, partial.failures.first?.reason ?? "")
        await store.close()
    }
}
