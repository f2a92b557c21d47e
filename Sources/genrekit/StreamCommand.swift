import ArgumentParser
import Foundation
import GenreKit

extension PCMLayout.Encoding: ExpressibleByArgument {}

struct StreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Classify audio as it arrives: one JSON line per window (time, top labels, running song decision).",
        discussion: """
        Reads raw PCM from standard input (or --input FILE) in the layout of --pcm/--rate/--channels, or a PCM WAV \
        stream/file (header read from the stream: --input x.wav or --wav). Each window is classified as soon as its \
        samples are in; memory stays bounded whatever the stream's length. The window predictions equal those of \
        `genrekit predict --windows` / `genrekit tag` on the same audio (to float rounding). Latency from the arrival \
        of a window's last sample to its line is in each line (latency_ms) and summarised on standard error at the end.
        """)

    @Option(help: "A pre-trained network (MSD_musicnn, …) or a model file from genrekit train / finetune.") var model: String
    @Option(help: "'-' for standard input, or a file (read as it grows with --follow).") var input = "-"
    @Option(help: "Raw PCM sample encoding: f32le or s16le.") var pcm: PCMLayout.Encoding = .f32le
    @Option(help: "Sample rate of the PCM, Hz (resampled to 16 kHz).") var rate = 16000
    @Option(help: "Channels of the PCM (averaged to mono).") var channels = 1
    @Flag(help: "The stream is a PCM WAV file (16-bit or float32); its header sets the layout.") var wav = false
    @Option(help: "Output format (jsonl).") var format = "jsonl"
    @Option(help: "Running song decision: vote, mean or ema:ALPHA (e.g. ema:0.9).") var aggregate = "vote"
    @Option(help: "Labels per window line.") var top = 3
    @Option(help: "At end of file, keep polling this many seconds for new data (a growing recording).") var follow = 0.0

    func run() throws {
        guard format == "jsonl" else { throw ValidationError("--format: only jsonl") }
        try reportingErrors {
            let predictor: StreamPredictor
            if model.hasSuffix(".gkmodel") || FileManager.default.fileExists(atPath: model) {
                predictor = try StreamPredictor(model: GenreModel.read(from: model))
            } else {
                predictor = try StreamPredictor(pretrained: PretrainedModel.load(model))
            }
            guard var song = StreamAggregate(parsing: aggregate, classes: predictor.labels.count) else {
                throw ValidationError("--aggregate takes vote, mean or ema:ALPHA with 0 <= ALPHA < 1")
            }
            let fd = input == "-" ? FileHandle.standardInput.fileDescriptor : open(input, O_RDONLY)
            guard fd >= 0 else { throw ValidationError("\(input): cannot open (\(String(cString: strerror(errno))))") }
            defer { if input != "-" { close(fd) } }
            let isWAV = wav || input.lowercased().hasSuffix(".wav")
            let reader = try PCMStreamReader(fd: fd, layout: PCMLayout(encoding: pcm, sampleRate: rate, channels: channels),
                                             wavHeader: isWAV, follow: follow)
            var source = StreamWindowSource(patches: predictor.patches)
            var latencies: [Double] = []
            var peakBuffered = 0
            let encoder = jsonEncoder(pretty: false)
            let out = FileHandle.standardOutput
            func emit(_ windows: [StreamWindow], arrival: UInt64) throws {
                for w in windows {
                    let p = predictor.predict(w)
                    let scores = song.add(p)
                    // The line carries the latency up to its encoding; the summary's figure includes the write.
                    let ms = Double(DispatchTime.now().uptimeNanoseconds - arrival) / 1e6
                    var data = try encoder.encode(StreamLine(window: w, probabilities: p, song: scores, labels: predictor.labels, top: top,
                                                             aggregate: song.name, latencyMs: ms))
                    data.append(0x0A)
                    out.write(data)
                    latencies.append(Double(DispatchTime.now().uptimeNanoseconds - arrival) / 1e6)
                }
            }
            while let block = try reader.next() {
                let arrival = DispatchTime.now().uptimeNanoseconds
                try emit(source.append(block), arrival: arrival)
                peakBuffered = max(peakBuffered, source.bufferedSamples)
            }
            try emit(source.finish(), arrival: DispatchTime.now().uptimeNanoseconds)
            var usage = rusage()
            #if os(Linux)
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
            let rssMB = Double(usage.ru_maxrss) / 1024          // kilobytes on Linux
            #else
            getrusage(RUSAGE_SELF, &usage)
            let rssMB = Double(usage.ru_maxrss) / 1_048_576     // bytes on macOS
            #endif
            let sorted = latencies.sorted()
            func pct(_ q: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int((q * Double(sorted.count - 1)).rounded()))] }
            printError(String(format: "stream: %d windows from %.1f s of audio; latency (last sample in -> line out) p50 %.1f ms, p99 %.1f ms, max %.1f ms; "
                              + "peak buffer %d samples; peak RSS %.1f MB", latencies.count, Double(source.samplesReceived) / 16000,
                              pct(0.5), pct(0.99), sorted.last ?? .nan, peakBuffered, rssMB))
        }
    }
}
