import GenreKitCore
import GenreKitModels

/// The frozen part of the network, run once: the trained part's input for every segment of a grid over each
/// training song (hop ``FineTuneOptions/segmentHop``; not when segments are cut live) and over each validation
/// song (back-to-back windows).
struct FrozenStageCache: Sendable {
    /// The frozen network (live segments go through it batch by batch).
    let model: MusicnnModel
    /// Shape of one item of the trained part's input.
    let itemShape: [Int]
    /// True when training segments are cut at any frame and run through the frozen part per batch (`all`, or an
    /// input augmentation).
    let live: Bool
    /// Per training song (``DecodedSongs/trainIndices`` order): its grid segments' inputs, back to back.
    let trainInputs: [[Float]]
    /// Per validation song (``DecodedSongs/validIndices`` order).
    let validInputs: [[Float]]

    var itemSize: Int { itemShape.reduce(1, *) }

    init(songs: DecodedSongs, model: MusicnnModel, options o: FineTuneOptions, itemShape: [Int], progress: (FineTuneEvent) -> Void) {
        self.model = model
        self.itemShape = itemShape
        live = o.stage == .all || o.augmentation.changesInput
        if o.stage != .all && o.augmentation.changesInput {
            progress(.note("input augmentation is on: the frozen \(o.stage == .head ? "network" : "part") runs on every training segment (no cache)"))
        }
        let length = FineTuner.segmentFrames
        let hop = max(1, Int((o.segmentHop * Double(MusicnnInput.sampleRate) / Double(MusicnnInput.hopLength)).rounded()))
        func inputs(_ indices: [Int], hop: Int) -> [[Float]] {
            let out = Self.stageInputs(indices.map { songs.spectrograms[$0]! }, model: model, stage: o.stage, length: length, hop: hop)
            progress(.caching(done: indices.count, total: indices.count))
            return out
        }
        trainInputs = live ? [] : inputs(songs.trainIndices, hop: hop)
        validInputs = inputs(songs.validIndices, hop: length)
    }

    /// The trained part's input for every grid segment of each spectrogram, computed by the frozen network on all
    /// cores (chunks of 8 segments).
    static func stageInputs(_ spectrograms: [SongSpectrogram], model: MusicnnModel, stage: FineTuneStage, length: Int, hop: Int) -> [[Float]] {
        let chunk = 8
        let results = BatchRunner.map(Array(spectrograms.indices)) { k -> [Float] in
            let s = spectrograms[k]
            var g = SeededGenerator(seed: 0)
            var values: [Float] = []
            BLASThreads.withSingleThread {
                let starts = Array(stride(from: 0, through: s.lastStart(length: length), by: hop))
                var lo = 0
                while lo < starts.count {
                    let hi = min(starts.count, lo + chunk)
                    var patches: [Float] = []
                    for st in starts[lo..<hi] { patches += s.segment(start: st, length: length, generator: &g) }
                    values += model.stageInput(stage, patches: patches, count: hi - lo).values
                    lo = hi
                }
            }
            return values
        }
        return results.map { (try? $0.get()) ?? [] }
    }
}
