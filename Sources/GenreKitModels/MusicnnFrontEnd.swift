import GenreKitAudio
import GenreKitDSP

/// The input representation of the musicnn networks, from an audio file: decoding to ``MusicnnInput/sampleRate``,
/// mel power (``MusicnnInput``'s STFT and bands), ``MusicnnCompression``; frames × bands, row-major.
public struct MusicnnFrontEnd: Sendable {
    public var mel: MelSpectrogram
    public var decoder: AudioDecoder

    public init(precision: STFT.Precision = .double) {
        mel = MusicnnInput.melSpectrogram(precision: precision)
        decoder = AudioDecoder(sampleRate: MusicnnInput.sampleRate)
    }

    /// Log-mel spectrogram of 16 kHz samples.
    public func logMel(samples: [Float]) -> [Float] {
        var m = mel.power(samples)
        MusicnnCompression.apply(inPlace: &m)
        return m
    }

    /// Decodes `path` and returns its log-mel spectrogram with the decoded audio's facts.
    public func logMel(path: String) throws(AudioError) -> (logMel: [Float], frames: Int, audio: DecodedAudio) {
        let audio = try decoder.decode(path: path)
        let lm = logMel(samples: audio.samples)
        return (lm, lm.count / MusicnnInput.melBands, audio)
    }

    /// Decodes `path` block by block and hands its log-mel spectrogram to `body` in consecutive parts (whole frames ×
    /// bands, row-major), in bounded memory: the parts, concatenated, equal ``logMel(path:)`` bit for bit
    /// (``AudioStream``, ``MelStream``). Decoded samples are gathered to `feedSamples` before they go to the mel stream,
    /// so its groups are computed several at once. Returns the decoded file's facts.
    public func forEachLogMel(path: String, feedSamples: Int = 1 << 19,
                              _ body: ([Float]) throws -> Void) throws -> (source: AudioFileInfo, frames: Int) {
        let stream = try decoder.stream(path: path)
        var melStream = MelStream(mel)
        var samples: [Float] = []
        var rows: [Float] = []
        func hand(_ n: Int) throws {
            guard n > 0 else { return }
            MusicnnCompression.apply(inPlace: &rows)
            try body(rows)
            rows.removeAll(keepingCapacity: true)
        }
        var more = true
        while more {
            more = try stream.read(into: &samples)
            if samples.count >= feedSamples || !more {
                let n = samples.withUnsafeBufferPointer { melStream.append($0, into: &rows) }
                samples.removeAll(keepingCapacity: true)
                try hand(n)
            }
        }
        try hand(melStream.finish(into: &rows))
        return (stream.source, melStream.frameCount)
    }
}
