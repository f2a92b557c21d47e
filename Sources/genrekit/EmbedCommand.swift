import ArgumentParser
import Foundation
import GenreKit

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Write a network's intermediate features (one row per window) for transfer learning.",
        discussion: """
        Several layers are concatenated in the order given (e.g. --layer max_pool,penultimate). Layers with a time \
        axis (timbral, temporal, cnn1-3; vgg pool1-4) are pooled over the window with --pool. Output: .npy (rows × \
        dims, with a .rows.csv naming the file and window of each row) or .csv (path, window, start, features). \
        --features SPEC takes a whole feature specification instead of --model/--layer/--pool/--length/--overlap, \
        including combinations (MSD_musicnn:max_pool+mfcc), and reads and fills the feature cache. Each file's rows \
        are written as soon as it and the files before it are done, so a stopped batch keeps the finished files' rows. \
        Exit status: 0 when every file was embedded, 1 when some failed (the others are still written), 2 for bad usage.
        """)

    @Argument(help: "Audio files, or folders (searched recursively for audio files, in path order).") var inputs: [String]
    @Option(help: "Model name (yamnet: layers embedding, scores, on YAMNet's own windows).") var model = "MSD_musicnn"
    @Option(help: "Comma-separated layer names.") var layer = "max_pool"
    @Option(help: "Pooling over time inside a window for layers that have a time axis: mean, max, mean+std.") var pool: TimePooling = .mean
    @Option(help: "Window length in seconds.") var length = 3.0
    @Option(help: "Hop between windows in seconds (musicnn's input_overlap); 0 for back-to-back windows.") var overlap = 0.0
    @Option(name: .shortAndLong, help: "Output path ending in .npy or .csv.") var out: String
    @Option(help: "A feature specification (e.g. MSD_musicnn:cnn1,cnn2+mfcc) instead of --model/--layer/--pool/--length/--overlap.")
    var features: String?
    @Option(help: "Feature cache path for --features (default ~/.cache/genrekit/features.sqlite).") var cache: String?

    @OptionGroup var decoding: DecodingOptions
    @OptionGroup var precisionOptions: PrecisionOptions

    func run() throws {
        decoding.apply()
        let files = inputs.flatMap(Dataset.audioFiles(at:))
        let layers = layer.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        guard out.hasSuffix(".npy") || out.hasSuffix(".csv") else {
            printError("error: --out must end in .npy or .csv"); throw ExitCode(2)
        }
        let output = try reportingErrors { try EmbedOutput(path: out) }
        let described: String
        // Each file's rows are written as soon as it and the files before it are done.
        if let features {
            let spec = try reportingErrors { try precisionOptions.apply(to: CombinedFeatureSpec(parsing: features)) }
            let extractor = try reportingErrors {
                try CombinedFeatureExtractor(spec: spec, cache: FeatureCache.open(at: cache))
            }
            let bar = ProgressBar(total: files.count, label: "files")
            extractor.forEach(paths: files, progress: { d, _ in bar.update(d) }) { i, r in output.emit(files[i], r.map(\.windows)) }
            described = spec.key
        } else if model == YAMNetModel.name {
            // YAMNet's own windows (0.975 s every 0.48 s); --pool/--length/--overlap do not apply.
            let spec = try reportingErrors { try FeatureSpec(model: model, layers: layers) }
            let extractor = try reportingErrors { try FeatureExtractor(spec: spec, cache: nil) }
            let bar = ProgressBar(total: files.count, label: "files")
            BatchRunner.forEach(files, progress: { d, _ in bar.update(d) }, {
                try extractor.windowFeatures(path: $0)
            }, emit: { i, r in output.emit(files[i], r) })
            described = "\(layers.joined(separator: "+")), \(model)"
        } else {
            let tagger = try loadTagger(model: model, length: length, overlap: overlap, precision: precisionOptions)
            let bar = ProgressBar(total: files.count, label: "files")
            let pool = self.pool
            BatchRunner.forEach(files, progress: { d, _ in bar.update(d) }, {
                WindowFeatures(analysis: try tagger.analyze(path: $0, features: Set(layers), pooling: pool), layers: layers)
            }, emit: { i, r in output.emit(files[i], r) })
            described = "\(layers.joined(separator: "+")), \(model)"
        }
        try reportingErrors { try output.finish() }
        printError("\(output.rows) rows × \(output.width) features (\(described)) → \(out)")
        if output.failures > 0 { printError("\(output.failures) of \(files.count) files failed"); throw ExitCode(1) }
    }
}

