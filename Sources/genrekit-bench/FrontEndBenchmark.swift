import Foundation
import GenreKit
import GenreKitBenchmarks

/// Decode + log-mel + windowing of one file: GenreKit against librosa (same run, same file).
struct FrontEndBenchmark {
    let file: String?
    let repeats: Int

    init(arguments: [String]) throws {
        let o = try Options(arguments, known: ["file", "repeat"])
        file = o["file"]
        repeats = try o.int("repeat", default: 5)
    }

    func run() throws {
        let path = try file ?? syntheticSong()
        let info = try AudioDecoder.info(path: path)
        print("file: \(path) (\(info.format), \(info.channels) ch, \(info.sampleRate) Hz, \(String(format: "%.1f", info.duration)) s)")
        let fe = MusicnnFrontEnd()
        let patches = try Patches.musicnn()
        var decodeTimes: [Double] = [], melTimes: [Double] = []
        var frames = 0
        let total = try timeRuns(repeat: repeats) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let audio = try fe.decoder.decode(path: path)
            let t1 = DispatchTime.now().uptimeNanoseconds
            let lm = fe.logMel(samples: audio.samples)
            _ = patches.extract(lm, bands: 96)
            let t2 = DispatchTime.now().uptimeNanoseconds
            decodeTimes.append(Double(t1 - t0) / 1e9); melTimes.append(Double(t2 - t1) / 1e9)
            frames = lm.count / 96
        }
        let gk = median(total)
        print(String(format: "genrekit: %.4f s median of %d (decode+resample %.4f s, mel+log+windows %.4f s), %d frames",
                     gk, repeats, median(Array(decodeTimes.dropFirst())), median(Array(melTimes.dropFirst())), frames))
        guard let ref = runReference([path, "--repeat", String(repeats)]), let rt = ref["frontend_s"] as? Double else { return }
        print(String(format: "librosa:  %.4f s median of %d (load+melspectrogram+log+windows)", rt, repeats))
        print(String(format: "speed-up: %.2fx (librosa time / GenreKit time)", rt / gk))
    }
}
