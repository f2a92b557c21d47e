import Foundation
import GenreKit

/// One `/v1/stream` connection's state: the PCM decoder, the window source, the model and the running song
/// decision, as `genrekit stream` keeps them. Memory is bounded whatever the stream's length (``StreamWindowSource``
/// holds about one window; the decoder a partial frame).
///
/// The connection's handler calls it from one job at a time (each job awaited before the next), so its state is
/// never touched by two threads at once; the lock only makes that hand-over between worker threads visible.
final class StreamSession: @unchecked Sendable {
    /// What the client asked for (`/v1/stream?model=…&pcm=…&rate=…&channels=…&aggregate=…&top=…`).
    struct Options: Sendable {
        var model = "MSD_musicnn"
        var layout = PCMLayout()
        var aggregate = "vote"
        var top = 3
    }

    let options: Options
    let predictor: StreamPredictor
    private let lock = NSLock()
    private let decoder: PCMChunkDecoder
    private var source: StreamWindowSource
    private var song: StreamAggregate
    private let encoder: JSONEncoder

    /// - Throws: ``ProblemError`` (400) for an aggregate rule that does not parse, a layout that cannot be read.
    init(options: Options, predictor: StreamPredictor) throws(ProblemError) {
        self.options = options
        self.predictor = predictor
        guard let song = StreamAggregate(parsing: options.aggregate, classes: predictor.labels.count) else {
            throw .badParameter("aggregate=\(options.aggregate) is not vote, mean or ema:ALPHA with 0 <= ALPHA < 1")
        }
        self.song = song
        do { decoder = try PCMChunkDecoder(layout: options.layout) } catch { throw .badParameter("\(error)") }
        source = StreamWindowSource(patches: predictor.patches)
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    }

    /// Samples (16 kHz) received so far.
    var samplesReceived: Int { lock.withLock { source.samplesReceived } }

    /// Decodes a PCM chunk and returns the windows it completes (blocking: run it on the job queue).
    func append(_ bytes: [UInt8]) throws -> [StreamWindow] {
        try lock.withLock {
            let samples = try bytes.withUnsafeBytes { try decoder.append($0) }
            return samples.isEmpty ? [] : source.append(samples)
        }
    }

    /// The stream has ended: the windows the signal has left (its end padded as the file pipeline pads it).
    func finish() throws -> [StreamWindow] {
        try lock.withLock {
            let tail = try decoder.finish()
            var out = tail.isEmpty ? [] : source.append(tail)
            out += source.finish()
            return out
        }
    }

    /// Classifies `window` and returns its line, the running decision updated (blocking: run it on the job queue).
    /// - Parameter arrival: when the chunk that completed the window arrived (`DispatchTime` nanoseconds).
    func line(for window: StreamWindow, arrival: UInt64) throws -> String {
        let p = predictor.predict(window)
        return try lock.withLock {
            let scores = song.add(p)
            let ms = Double(DispatchTime.now().uptimeNanoseconds - arrival) / 1e6
            let line = StreamLine(window: window, probabilities: p, song: scores, labels: predictor.labels, top: options.top,
                                  aggregate: song.name, latencyMs: ms)
            return String(decoding: try encoder.encode(line), as: UTF8.self)
        }
    }
}
