import Foundation
import GenreKitDSP
import GenreKitModels
import GenreKitNN

extension Int8Calibration {
    /// int8 activation scales of `model` measured on the user's audio (`--calibrate DIR`): the 3-s windows of
    /// `paths` (back to back, at most `maxWindows` spread evenly over them) through the fp32 network, each layer's
    /// `s_a = max |a| / 127` (``MusicnnModel/calibrated(patches:count:)``). Nil for a VGG network (it scales each
    /// chunk by its own activations). Files that cannot be decoded are skipped; none decoded is an error.
    public static func measured(for model: PretrainedModel, onAudioAt paths: [String], maxWindows: Int = 256) throws -> Int8Calibration? {
        guard case .musicnn(let m) = model else { return nil }
        let frontEnd = MusicnnFrontEnd()
        let patches = try Patches.musicnn(length: 3, overlap: nil)
        let perFile = Swift.max(1, maxWindows / Swift.max(paths.count, 1))
        var values: [Float] = [], count = 0
        var lastError: Error?
        for path in paths where count < maxWindows {
            do {
                let (logMel, frames, _) = try frontEnd.logMel(path: path)
                let n = patches.count(frames: frames)
                guard n > 0 else { continue }
                let take = Swift.min(n, perFile, maxWindows - count)
                // Evenly spaced windows of the file.
                for j in 0..<take {
                    let w = take == 1 ? 0 : j * (n - 1) / (take - 1)
                    values += patches.extract(logMel, bands: MusicnnInput.melBands, windows: w..<(w + 1)).values
                    count += 1
                }
            } catch {
                lastError = error
            }
        }
        guard count > 0 else { throw Int8CalibrationError.noAudio(lastError.map { "\($0)" } ?? "no audio files") }
        return m.calibrated(patches: values, count: count).int8Calibration
    }
}

/// Why `--calibrate DIR` could not calibrate.
public enum Int8CalibrationError: Error, CustomStringConvertible, Sendable {
    case noAudio(String)

    public var description: String {
        switch self {
        case .noAudio(let why): return "int8 calibration found no audio to measure (\(why)); give --calibrate a folder of audio files"
        }
    }
}
