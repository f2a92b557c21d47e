import Foundation

/// The songs of a fine-tuning run decoded to mel power, on all cores: training songs first, then validation songs.
struct DecodedSongs: Sendable {
    /// Training then validation songs.
    let songs: [FineTuneSong]
    /// Each song's spectrogram, nil where decoding failed.
    let spectrograms: [SongSpectrogram?]
    /// Songs that could not be decoded, with the reason.
    let failures: [(path: String, reason: String)]
    /// Positions in ``songs`` of the decoded training songs.
    let trainIndices: [Int]
    /// Positions in ``songs`` of the decoded validation songs.
    let validIndices: [Int]
    /// Decoded training songs per class.
    let classCounts: [Int]

    /// - Throws: ``FineTuneError/tooFewSongs(_:)`` when no training song decodes.
    init(train: [FineTuneSong], valid: [FineTuneSong], labelCount: Int, concurrency: Int,
         progress: (FineTuneEvent) -> Void) throws {
        songs = train + valid
        let frontEnd = MusicnnFrontEnd()
        let decoded = BatchRunner.map(songs.map(\.path), concurrency: concurrency) { try SongSpectrogram(path: $0, frontEnd: frontEnd) }
        progress(.decoding(done: songs.count, total: songs.count))
        var spectrograms: [SongSpectrogram?] = []
        var failures: [(path: String, reason: String)] = []
        for (song, result) in zip(songs, decoded) {
            switch result {
            case .success(let s): spectrograms.append(s)
            case .failure(let e): spectrograms.append(nil); failures.append((song.path, "\(e)"))
            }
        }
        self.spectrograms = spectrograms
        self.failures = failures
        trainIndices = train.indices.filter { spectrograms[$0] != nil }
        validIndices = valid.indices.map { train.count + $0 }.filter { spectrograms[$0] != nil }
        guard !trainIndices.isEmpty else { throw FineTuneError.tooFewSongs("no training song could be decoded") }
        var counts = [Int](repeating: 0, count: labelCount)
        for i in trainIndices { counts[songs[i].label] += 1 }
        classCounts = counts
    }
}
