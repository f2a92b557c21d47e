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
        output (--format json|csv) goes to standard output; progress and per-file errors go to standard error.

        --model also takes a tagger you trained (genrekit train --task tagging, a .gkmodel path): its windows and \
        features come from the model's feature specification (cached in --cache), and the tags whose song score \
        reaches the tagger's per-tag threshold are listed too.
        """)

    @Argument(help: "Audio files.") var files: [String]
    @Option(help: "Model: \(ModelArchitecture.all.map(\.name).joined(separator: ", ")), yamnet, or the path of a tagger you trained (.gkmodel).") var model = "MSD_musicnn"
    @Option(help: "Number of top tags to print.") var top = 5
    @Option(help: "Window length in seconds (musicnn's input_length).") var length = 3.0
    @Option(help: "Hop between windows in seconds (musicnn's input_overlap); 0 for back-to-back windows.") var overlap = 0.0
    @Option(help: "Output format: table, json (with the full taggram) or csv.") var format: OutputFormat = .table
    @Option(help: "Write the taggram as an SVG heat map (one file: this path; several files: FILE-stem suffixes).") var taggram: String?
    @Option(help: "Feature cache for a trained tagger (default ~/.cache/genrekit/features.sqlite).") var cache: String?
    @Flag(help: "With --model yamnet: rank only AudioSet's music genre and style classes.") var music = false

    /// True when `--model` names a trained tagger file rather than a pre-trained network.
    var isModelFile: Bool {
        model.hasSuffix(".gkmodel") || (ModelArchitecture.named(model) == nil && FileManager.default.fileExists(atPath: model))
    }

    func run() throws {
        let results: [Result<FileAnalysis, Error>]
        if isModelFile {
            results = try reportingErrors { try analyzeWithTrainedTagger() }
        } else if model == YAMNetModel.name {
            let tagger = try loadYAMNetTagger(music: music)
            let bar = ProgressBar(total: files.count, label: "files")
            results = BatchRunner.map(files, progress: { done, _ in bar.update(done) }) { try tagger.analyze(path: $0) }
        } else {
            let tagger = try loadTagger(model: model, length: length, overlap: overlap)
            let bar = ProgressBar(total: files.count, label: "files")
            results = BatchRunner.map(files, progress: { done, _ in bar.update(done) }) { try tagger.analyze(path: $0) }
        }
        var failures = 0
        var json: [[String: Any]] = []
        if format == .csv { print("path,rank,tag,score") }
        for (file, result) in zip(files, results) {
            switch result {
            case .failure(let error):
                failures += 1
                printError("error: \(error)")
                if format == .json { json.append(["path": file, "error": "\(error)"]) }
            case .success(let a):
                let top = a.topTags(self.top)
                switch format {
                case .table:
                    let decided = a.thresholds == nil ? "" : "  → tags: " + (a.decidedTags.isEmpty ? "none" : a.decidedTags.map(\.tag).joined(separator: ", "))
                    print("\(a.path) (\(String(format: "%.1f", a.source.duration)) s, \(a.taggram.shape[0]) windows\(a.padded ? ", padded" : "")): "
                          + top.map { "\($0.tag) \(String(format: "%.3f", $0.score))" }.joined(separator: ", ") + decided)
                case .csv:
                    for (i, t) in top.enumerated() { print("\(csvField(a.path)),\(i + 1),\(csvField(t.tag)),\(String(format: "%.6f", t.score))") }
                case .json:
                    let n = a.tags.count
                    var entry: [String: Any] = [
                        "path": a.path, "model": model, "duration_s": a.source.duration,
                        "window_s": a.windowSeconds, "window_starts_s": a.windowStarts, "padded": a.padded,
                        "top_tags": top.map { ["tag": $0.tag, "score": Double($0.score)] },
                        "tags": a.tags,
                        "taggram": (0..<a.taggram.shape[0]).map { i in (0..<n).map { Double(a.taggram.values[i * n + $0]) } },
                    ]
                    if let t = a.thresholds {
                        entry["thresholds"] = t
                        entry["decided_tags"] = a.decidedTags.map { ["tag": $0.tag, "score": Double($0.score)] }
                    }
                    json.append(entry)
                }
                if let taggram {
                    let out = files.count == 1 ? taggram : TagCommand.suffixed(taggram, with: (file as NSString).lastPathComponent)
                    try TaggramPicture.svg(a).write(toFile: out, atomically: true, encoding: .utf8)
                    printError("\(file): taggram → \(out)")
                }
            }
        }
        if format == .json {
            let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
        if failures > 0 { printError("\(failures) of \(files.count) files failed"); throw ExitCode(1) }
    }

    /// Tags with a `.gkmodel` tagger: the model's own windows and features (through the feature cache).
    private func analyzeWithTrainedTagger() throws -> [Result<FileAnalysis, Error>] {
        let m = try GenreModel.read(from: model)
        let spec = try CombinedFeatureSpec(parsing: m.featureSpec).parts[0]
        if length != spec.windowLength || overlap != spec.overlap {
            throw ValidationError("this tagger was trained on \(spec.windowLength)-s windows with hop \(spec.overlap) s (\(m.featureSpec)); drop --length/--overlap")
        }
        let cacheStore = try cache.map { try FeatureCache(path: $0) } ?? FeatureCache()
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

func loadTagger(model: String, length: Double, overlap: Double) throws -> Tagger {
    do {
        let m = try PretrainedModel.load(model)
        return try Tagger(model: m, length: length, overlap: overlap > 0 ? overlap : nil)
    } catch {
        printError("error: \(error)")
        throw ExitCode(2)
    }
}
