import GenreKitAudio
import GenreKitCore
import GenreKitModels
import XCTest

/// Decode + musicnn log-mel of real files against librosa.load + melspectrogram + NumPy-1 compression.
final class DecodedFrontEndTests: XCTestCase {
    func testLogMelOfDecodedFilesMatchesLibrosa() throws {
        let fe = MusicnnFrontEnd()
        for name in ["stereo48k.mp3", "mono22k.flac", "stereo44k.wav"] {
            let path = AudioDecoderTests.fixtures + name
            let ref = try NPYArray(contentsOf: path + ".logmel.npy")
            let (logMel, frames, _) = try fe.logMel(path: path)
            XCTAssertEqual([frames, 96], ref.shape, name)
            var worst: Float = 0
            for i in ref.values.indices { worst = max(worst, abs(logMel[i] - ref.values[i])) }
            XCTAssertLessThanOrEqual(worst, 1e-4, "\(name): log-mel max abs diff")
            print("parity \(name): decoded log-mel max abs diff \(worst)")
        }
    }
}
