import Foundation
import GenreKit

/// `genrekit-bench yamnet`: YAMNet on a 5-minute file (decoded at 16 kHz once; network only, warm, median of
/// `--repeat` runs) against `tf.lite.Interpreter` on the same windows in the same run (`reference/bench_yamnet.py`:
/// the default XNNPACK delegate and the reference kernels, each with as many threads as cores — GenreKit runs one
/// worker per core too). Wall times (the issue's ratio) and, beside them, the process CPU time of the same runs
/// (all threads), which a shared machine's load distorts far less.
struct YAMNetBenchmarkCommand {
    let file: String?
    let repeats: Int

    init(arguments: [String]) throws {
        let o = try Options(arguments, known: ["file", "repeat"])
        file = o["file"]
        repeats = try o.int("repeat", default: 3)
    }

    func run() throws {
        let path = try file ?? syntheticSong()
        let audio = try AudioDecoder(sampleRate: YAMNetModel.sampleRate).decode(path: path)
        print(String(format: "file: %@ (%.1f s at 16 kHz)", path, Double(audio.samples.count) / 16000))
        let model = try YAMNetModel.load()
        var windows = 0
        var cpu: [Double] = []
        let times = timeRuns(repeat: repeats) {
            let c0 = processCPUSeconds()
            windows = model.predict(waveform: audio.samples).scores.shape[0]
            cpu.append(processCPUSeconds() - c0)
        }
        let gk = median(times), gkCPU = median(Array(cpu.dropFirst()))  // the first entry is the warm-up run
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print(String(format: "genrekit: %.3f s for %d windows (%.2f ms/window, %d threads), CPU %.3f s, median of %d", gk, windows,
                     1000 * gk / Double(windows), cores, gkCPU, repeats))
        let npy = NSTemporaryDirectory() + "genrekit-bench-yamnet-\(getpid()).npy"
        try NPYArray(shape: [audio.samples.count], values: audio.samples).write(to: npy)
        defer { try? FileManager.default.removeItem(atPath: npy) }
        guard let ref = runReferenceScript("reference/bench_yamnet.py", [npy, ModelStore().yamnetModelPath, String(cores), String(repeats)]) else { return }
        for key in ["xnnpack", "builtin"] {
            if let t = ref[key] as? Double {
                print(String(format: "tf.lite.Interpreter (%@, %d threads): %.3f s → GenreKit is %.2fx %@", key, cores, t,
                             t >= gk ? t / gk : gk / t, t >= gk ? "faster" : "slower"))
                if let c = ref[key + "_cpu"] as? Double {
                    print(String(format: "  CPU time (all threads; robust on a loaded machine): %.3f s vs GenreKit %.3f s → GenreKit %.2fx %@",
                                 c, gkCPU, c >= gkCPU ? c / gkCPU : gkCPU / c, c >= gkCPU ? "faster" : "slower"))
                }
            }
        }
    }
}

/// User + system CPU seconds of this process so far (all threads).
func processCPUSeconds() -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}
