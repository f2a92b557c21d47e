import ArgumentParser
import Foundation
import GenreKit

struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Tag audio files with a pre-trained network (top tags per file, optional taggram picture).",
        discussion: """
        Like musicnn's tagger: the file is cut into windows of --length seconds, each window gets 50 tag \
        probabilities (the taggram), and tags are ranked by their mean over the windows. Machine-readable \
        output (--format json|jsonl|csv) goes to standard output, each file's result as soon as it is done (in input \
        order); progress and per-file errors go to standard error. Exit status: 0 when every file was tagged, 1 when \
        some failed (the others are still tagged), 2 for bad usage.

        --model also takes a tagger you trained (genrekit train --task tagging, a .gkmodel path): its windows and \
        features come from the model's feature specification (cached in --cache), and the tags whose song score \
        reaches the tagger's per-tag threshold are listed too.
        """)

    @Argument(help: "Audio files, or folders (searched recursively for audio files, in path order).") var inputs: [String]
    @Option(help: "Model: \(ModelArchitecture.all.map(\.name).joined(separator: ", ")), yamnet, or the path of a tagger you trained (.gkmodel).") var model = "MSD_musicnn"
    @Option(help: "Number of top tags to print.") var top = 5
    @Option(help: "Window length in seconds (musicnn's input_length).") var length = 3.0
    @Option(help: "Hop between windows in seconds (musicnn's input_overlap); 0 for back-to-back windows.") var overlap = 0.0
    @Option(help: "Output format: table, json (one document with the full taggrams, errors included), jsonl (one object per file and line; errors as {\"path\", \"error\"}) or csv.")
    var format: BatchFormat = .table
    @Option(help: "Write the taggram as an SVG heat map (one file: this path; several files: FILE-stem suffixes).") var taggram: String?
    @Option(help: "Feature cache for a trained tagger (default ~/.cache/genrekit/features.sqlite).") var cache: String?
    @Option(help: "Also write an HTML report of the batch: tag distribution and one taggram per file.") var report: String?
    @Flag(help: "With --model yamnet: rank only AudioSet's music genre and style classes.") var music = false

    /// True when `--model` names a trained tagger file rather than a pre-trained network.
    var isModelFile: Bool {
        model.hasSuffix(".gkmodel") || (ModelArchitecture.named(model) == nil && FileManager.default.fileExists(atPath: model))
    }

    @OptionGroup var decoding: DecodingOptions
    @OptionGroup var precisionOptions: PrecisionOptions

    func run() throws {
        decoding.apply()
        let files = inputs.flatMap(Dataset.audioFiles(at:))
        let output = TagBatchOutput(command: self, fileCount: files.count)
        if isModelFile {
            let results = try reportingErrors { try analyzeWithTrainedTagger(files) }
            for (file, result) in zip(files, results) { output.emit(file, result) }
        } else {
            let analyze: @Sendable (String) throws -> FileAnalysis
            if model == YAMNetModel.name {
                let tagger = try loadYAMNetTagger(music: music)
                analyze = { try tagger.analyze(path: $0) }
            } else {
                let tagger = try loadTagger(model: model, length: length, overlap: overlap, precision: precisionOptions)
                analyze = { try tagger.analyze(path: $0) }
            }
            let bar = ProgressBar(total: files.count, label: "files")
            // Each file's result is written as soon as it and the files before it are done.
            BatchRunner.forEach(files, progress: { done, _ in bar.update(done) }, analyze) { i, result in output.emit(files[i], result) }
        }
        try output.finish()
    }

    /// Tags with a `.gkmodel` tagger: the model's own windows and features (through the feature cache).
    private func analyzeWithTrainedTagger(_ files: [String]) throws -> [Result<FileAnalysis, Error>] {
        let m = try GenreModel.read(from: model)
        guard let spec = try m.featureSource.spec?.windowPart else { throw TaggingModelError.trainedOnFeatureTable }
        if !spec.isYAMNet && (length != spec.windowLength || overlap != spec.overlap) {
            throw ValidationError("this tagger was trained on \(spec.windowLength)-s windows with hop \(spec.overlap) s (\(m.featureSpec)); drop --length/--overlap")
        }
        let cacheStore = try FeatureCache.open(at: cache)
        let tagger = try TrainedTagger(model: m, cache: cacheStore)
        let bar = ProgressBarBox()
        return tagger.analyze(paths: files) { bar.update($0.done, total: $0.total) }
    }

    static func suffixed(_ path: String, with name: String) -> String {
        let ext = (path as NSString).pathExtension, stem = (path as NSString).deletingPathExtension
        let base = (name as NSString).deletingPathExtension
        return "\(stem)-\(base)" + (ext.isEmpty ? ".svg" : ".\(ext)")
    }
}

/// Loads a model and builds a tagger, turning failures into one-line messages.
func loadYAMNetTagger(music: Bool) throws -> YAMNetTagger {
    do {
        return YAMNetTagger(model: try YAMNetModel.load(), musicOnly: music)
    } catch {
        printError("error: \(error)")
        throw ExitCode(2)
    }
}

func loadTagger(model: String, length: Double, overlap: Double, precision: PrecisionOptions? = nil) throws -> Tagger {
    do {
        var m = try PretrainedModel.load(model)
        if let precision { m = try precision.apply(to: m) }
        return try Tagger(model: m, length: length, overlap: overlap > 0 ? overlap : nil)
    } catch {
        printError("error: \(error)")
        throw ExitCode(2)
    }
}
