import Foundation
import GenreKitDSP

/// One line of `genrekit stream` (and one text message of the server's `/v1/stream`): a window's time span, its top
/// labels, the running song-level decision, and the latency from the arrival of the window's last sample to the line.
public struct StreamLine: Codable, Sendable, Equatable {
    public struct Label: Codable, Sendable, Equatable {
        public var label: String
        public var p: Double
    }
    public struct Song: Codable, Sendable, Equatable {
        public var label: String
        public var aggregate: String
        public var top: [Label]
    }
    /// Window number (0, 1, …).
    public var window: Int
    public var startSeconds: Double
    public var endSeconds: Double
    /// The window's `top` labels, highest first (ties: output order).
    public var top: [Label]
    public var song: Song
    /// Milliseconds from the arrival of the window's last sample to the line's encoding.
    public var latencyMs: Double

    enum CodingKeys: String, CodingKey {
        case window, top, song
        case startSeconds = "start_s", endSeconds = "end_s", latencyMs = "latency_ms"
    }

    /// - Parameters:
    ///   - probabilities: the window's scores, in `labels` order; `song`: the running decision's scores.
    ///   - top: labels per list (at least 1).
    public init(window w: StreamWindow, probabilities p: [Double], song s: [Double], labels: [String], top k: Int, aggregate: String,
                latencyMs ms: Double) {
        func best(_ v: [Double]) -> [Label] {
            v.indices.sorted { v[$0] > v[$1] || (v[$0] == v[$1] && $0 < $1) }.prefix(max(1, k)).map { Label(label: labels[$0], p: v[$0]) }
        }
        window = w.index
        startSeconds = w.startSeconds
        endSeconds = w.startSeconds + MusicnnInput.seconds(frames: w.logMel.count / MusicnnInput.melBands)
        top = best(p)
        let songTop = best(s)
        song = Song(label: songTop[0].label, aggregate: aggregate, top: songTop)
        latencyMs = (ms * 1000).rounded() / 1000
    }
}
