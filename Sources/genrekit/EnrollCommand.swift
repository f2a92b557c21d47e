import ArgumentParser
import Foundation
import GenreKit

struct EnrollCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Add a tag to a trained tagger from a few example songs, without retraining its other tags.",
        discussion: """
        The examples go through the tagger's own feature specification (and the feature cache); a binary logistic \
        probe for the new tag is fitted on them against negatives: the training rows kept in the model \
        (genrekit train --task tagging --keep-rows), or the songs given with --negatives. The model file is \
        rewritten in place unless --out is given. --replace refits an existing tag from the examples.
        """)

    @Argument(help: "Tagger model file (genrekit train --task tagging).") var model: String
    @Option(help: "Name of the tag to add.") var tag: String
    @Option(parsing: .upToNextOption, help: "Example songs that have the tag (at least 2; files or folders).") var examples: [String] = []
    @Option(parsing: .upToNextOption, help: "Songs without the tag (default: the training rows kept in the model).") var negatives: [String] = []
    @Flag(help: "Refit an existing tag instead of refusing.") var replace = false
    @Option(name: .shortAndLong, help: "Write the enlarged tagger here instead of over MODEL.") var out: String?
    @Option(help: "Feature cache path (default ~/.cache/genrekit/features.sqlite).") var cache: String?

    func run() throws {
        try reportingErrors {
            let m = try GenreModel.read(from: model)
            _ = try m.requireTagger()
            let extractor = try m.featureExtractor(cache: FeatureCache.open(at: cache))
            let exampleFiles = examples.flatMap(Dataset.audioFiles(at:))
            let negativeFiles = negatives.flatMap(Dataset.audioFiles(at:))
            if let both = Set(exampleFiles).intersection(negativeFiles).sorted().first {
                throw ValidationError("\(both) is given both as an example and as a negative")
            }
            guard exampleFiles.count >= TagEnrollment.minimumExamples else {
                throw TagEnrollmentError.tooFewExamples(exampleFiles.count, TagEnrollment.minimumExamples)
            }
            let positives = try features(exampleFiles, extractor, role: "example")
            let negativeItems = negativeFiles.isEmpty ? nil : try features(negativeFiles, extractor, role: "negative")
            let (enlarged, summary) = try TagEnrollment(tag: tag, replace: replace).enroll(m, examples: positives, negatives: negativeItems)
            let path = out ?? model
            try enlarged.write(to: path)
            print(String(format: "%@ '%@' from %d example songs (%d rows) against %d rows of %@; training fit: mean score %.3f on examples, %.3f on negatives",
                         summary.replaced ? "refitted" : "enrolled", summary.tag, positives.count, summary.positiveRows,
                         summary.negativeRows, summary.negativeSource, summary.meanPositiveScore, summary.meanNegativeScore))
            print("wrote \(path) (\(enlarged.labels.count) tags: \(enlarged.labels.joined(separator: ", ")))")
        }
    }

    /// Features of every file; any failure stops the enrollment (a tag learnt from fewer songs than asked would
    /// silently be a different tag).
    private func features(_ files: [String], _ extractor: CombinedFeatureExtractor, role: String) throws -> [ItemFeatures] {
        let bar = ProgressBarBox()
        let results = extractor.extract(paths: files) { bar.update($0.done, total: $0.total) }
        var items: [ItemFeatures] = [], failed: [String] = []
        for (file, r) in zip(files, results) {
            switch r {
            case .success(let f):
                items.append(ItemFeatures(id: file, label: -1, windows: f.windows.matrix.values, windowCount: f.windows.windowCount,
                                          song: f.song, windowStarts: f.windows.windowStarts))
            case .failure(let e):
                printError("error: \(e)"); failed.append(file)
            }
        }
        if !failed.isEmpty {
            throw ValidationError("\(failed.count) \(role) file\(failed.count == 1 ? "" : "s") could not be read (see above); fix or leave out \(failed.joined(separator: ", "))")
        }
        return items
    }
}
