import GenreKit

/// Three classes of songs; each song has 4 windows around a class centre plus a per-song offset.
func syntheticSongs(perClass: Int, seed: UInt64) -> [ItemFeatures] {
    var g = SeededGenerator(seed: seed)
    var items: [ItemFeatures] = []
    let centres: [[Float]] = [[2, 0, 0, 1], [0, 2, 0, 1], [0, 0, 2, 1]]   // last column: constant feature
    for c in 0..<3 {
        for s in 0..<perClass {
            var windows: [Float] = []
            let offset = (0..<3).map { _ in Float.random(in: -0.8...0.8, using: &g) }
            for _ in 0..<4 {
                for d in 0..<3 { windows.append(centres[c][d] + offset[d] + Float.random(in: -1...1, using: &g)) }
                windows.append(1)
            }
            var song = [Float](repeating: 0, count: 4)
            for w in 0..<4 { for d in 0..<4 { song[d] += windows[w * 4 + d] / 4 } }
            items.append(ItemFeatures(id: "c\(c)s\(s)", label: c, windows: windows, windowCount: 4, song: song))
        }
    }
    return items
}
