/// The songs of a fine-tuning run: training and validation songs (label indices into ``labels``) from a dataset.
public struct FineTuneSongs: Sendable {
    public var train: [FineTuneSong]
    public var valid: [FineTuneSong]
    /// The class names, the training data's labels in order.
    public var labels: [String]
    /// Validation items left out because their label is not among the training data's.
    public var skipped: [LabeledItem]

    /// How the training songs were chosen, as the model file records it for `genrekit evaluate`.
    public struct HoldOut: Sendable, Equatable {
        public var seed: UInt64
        public var testFraction: Double
        public var validFraction: Double

        public init(seed: UInt64, testFraction: Double, validFraction: Double) {
            self.seed = seed; self.testFraction = testFraction; self.validFraction = validFraction
        }
    }

    /// Loads `data` (folder or manifest, ``Dataset/load(_:splitFiles:)``) and chooses the songs: the data's own
    /// splits, else a seeded stratified hold-out of `holdOut.testFraction` for testing; validation songs come from
    /// `validData` when given (its songs whose label the training data has), else the `valid` split or a
    /// `holdOut.validFraction` of the training songs.
    /// - Throws: ``FineTuneError/multiLabelData`` for data with several labels per song, and the dataset errors.
    public static func load(_ data: String, splitFiles: String? = nil, validData: String? = nil, holdOut: HoldOut) throws -> FineTuneSongs {
        var ds = try Dataset.load(data, splitFiles: splitFiles)
        guard !ds.isMultiLabel else { throw FineTuneError.multiLabelData }
        let labels = ds.labels
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        var validItems: [LabeledItem]
        var skipped: [LabeledItem] = []
        if let validData {
            let v = try Dataset.load(validData)
            validItems = v.items.filter { index[$0.primaryLabel] != nil }
            skipped = v.items.filter { index[$0.primaryLabel] == nil }
            ds = try ds.assigningHoldOut(testFraction: holdOut.testFraction, validFraction: 0, seed: holdOut.seed)
        } else {
            ds = try ds.assigningHoldOut(testFraction: holdOut.testFraction, validFraction: holdOut.validFraction, seed: holdOut.seed)
            validItems = ds.items.filter { $0.split == .valid }
        }
        let trainItems = ds.items.filter { $0.split == .train || $0.split == nil }
        let song = { (i: LabeledItem) in FineTuneSong(path: i.path, label: index[i.primaryLabel]!) }
        return FineTuneSongs(train: trainItems.map(song), valid: validItems.map(song), labels: labels, skipped: skipped)
    }
}
