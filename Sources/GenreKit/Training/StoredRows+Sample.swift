import GenreKitCore

extension StoredRows {
    /// Up to `limit` rows from `items` at `level`, spread evenly: songs are visited in a seeded random order and each
    /// gives at most `⌈limit / songs⌉` of its rows (evenly spaced windows), so the sample covers as many songs as it can.
    public static func sample(_ items: [ItemFeatures], level: GenreModel.TrainingLevel, limit: Int, seed: UInt64) -> StoredRows? {
        guard limit > 0, let d = items.first?.dimension, d > 0 else { return nil }
        var order = Array(items.indices)
        var rng = SeededGenerator(seed: seed &+ 0x5EED)
        rng.shuffle(&order)
        let perSong = max(1, (limit + items.count - 1) / items.count)
        var values: [Float] = [], tags: [[Int]] = []
        for i in order where tags.count < limit {
            let r = items[i].rows(level)
            let take = min(perSong, r.count, limit - tags.count)
            for k in 0..<take {
                let row = take == 1 ? r.count / 2 : k * (r.count - 1) / (take - 1)
                values += r.values[row * d..<(row + 1) * d]
                tags.append(items[i].labelSet)
            }
        }
        return StoredRows(values: values, count: tags.count, dimension: d, tags: tags)
    }
}
