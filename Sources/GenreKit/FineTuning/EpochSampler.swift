/// Draws one epoch's training segments: ``FineTuneOptions/segmentsPerSong`` random positions per training song
/// (songs drawn ∝ 1/class size with `--balance oversample`), shuffled.
struct EpochSampler: Sendable {
    let songs: DecodedSongs
    let frozen: FrozenStageCache
    let options: FineTuneOptions

    /// `(song, position)` pairs: live segments name the song (a position in ``DecodedSongs/songs``) and a start
    /// frame; cached ones the training song's place in ``DecodedSongs/trainIndices`` and a grid segment.
    func segments(generator g: inout SeededGenerator) -> [(song: Int, position: Int)] {
        let trainIdx = songs.trainIndices
        var picked: [Int] = trainIdx
        if options.balance == .oversample {
            let w = trainIdx.map { 1 / Double(songs.classCounts[songs.songs[$0].label]) }
            let total = w.reduce(0, +)
            picked = trainIdx.map { _ in
                var u = g.nextUnit() * total
                for (k, wk) in w.enumerated() { u -= wk; if u <= 0 { return trainIdx[k] } }
                return trainIdx.last!
            }
        }
        let length = FineTuner.segmentFrames
        var segments: [(song: Int, position: Int)] = []
        for s in picked {
            let spec = songs.spectrograms[s]!
            for _ in 0..<options.segmentsPerSong {
                if frozen.live {
                    segments.append((s, Int(g.next() % UInt64(spec.lastStart(length: length) + 1))))
                } else {
                    let k = trainIdx.firstIndex(of: s)!
                    segments.append((k, Int(g.next() % UInt64(frozen.trainInputs[k].count / frozen.itemSize))))
                }
            }
        }
        g.shuffle(&segments)
        return segments
    }
}
