import Foundation
import GenreKitAudio
import GenreKitDSP
import GenreKitNN
import GenreKitModels
import XCTest

/// The whole chain from an audio file: GenreKit's decoder and front end, then the network, against musicnn on
/// TensorFlow fed by librosa (`clip.flac` and its outputs from reference/make_musicnn_fixtures.py).
/// Tolerances of the issue: taggram max abs diff ≤ 1e-4; penultimate, max_pool, mean_pool max relative ≤ 1e-3.
final class AudioToTaggramParityTests: XCTestCase {
    func testClipFromAudioMatchesReference() throws {
        let clip = try XCTUnwrap(Fixtures.path("clip.flac"))
        let (logMel, frames, _) = try MusicnnFrontEnd().logMel(path: clip)
        let patches = try Patches.musicnn()
        let (x, count) = patches.extract(logMel, bands: 96)
        XCTAssertEqual(count, 2)
        for name in ["MTT_musicnn", "MSD_musicnn", "MTT_vgg", "MSD_vgg"] {
            let model = try LoadedModels.model(name)
            let features = Set(model.architecture.featureNames)
            let out = model.predict(patches: x, count: count, features: features)
            let refTaggram = try Fixtures.npy("clip.\(name).taggram.npy").values
            var worst: Float = 0
            for i in refTaggram.indices { worst = max(worst, abs(out.taggram.values[i] - refTaggram[i])) }
            XCTAssertLessThanOrEqual(worst, 1e-4, "\(name) taggram from audio")
            var line = "parity \(name) from audio (\(frames) frames): taggram max abs \(worst)"
            let vectors = model.architecture.kind == .musicnn ? ["penultimate", "max_pool", "mean_pool"] : ["pool5"]
            for f in vectors {
                let ref = try Fixtures.npy("clip.\(name).\(f).npy").values
                let mine = out.features[f]!.values
                XCTAssertEqual(mine.count, ref.count)
                let scale = ref.map { abs($0) }.max()!
                var d: Float = 0
                for i in ref.indices { d = max(d, abs(mine[i] - ref[i])) }
                XCTAssertLessThanOrEqual(d / scale, 1e-3, "\(name) \(f) from audio")
                line += ", \(f) max rel \(d / scale)"
            }
            print(line)
        }
    }
}
