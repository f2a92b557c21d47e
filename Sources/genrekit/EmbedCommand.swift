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
        including combinations (MSD_musicnn:max_pool+mfcc), and reads and fills the feature cache.
        """)

    @Argument(help: "Audio files.") var files: [String]
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

    func run() throws {
        decoding.apply()
        let layers = layer.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        guard out.hasSuffix(".npy") || out.hasSuffix(".csv") else {
            printError("error: --out must end in .npy or .csv"); throw ExitCode(2)
        }
        let results: [Result<WindowFeatures, Error>]
        let described: String
        if let features {
            let spec = try reportingErrors { try CombinedFeatureSpec(parsing: features) }
            let extractor = try reportingErrors {
                try CombinedFeatureExtractor(spec: spec, cache: FeatureCache.open(at: cache))
            }
            let bar = ProgressBarBox()
            results = extractor.extract(paths: files) { bar.update($0.done, total: $0.total) }.map { $0.map(\.windows) }
            described = spec.key
        } else if model == YAMNetModel.name {
            // YAMNet's own windows (0.975 s every 0.48 s); --pool/--length/--overlap do not apply.
            let spec = try reportingErrors { try FeatureSpec(model: model, layers: layers) }
            let extractor = try reportingErrors { try FeatureExtractor(spec: spec, cache: nil) }
            let bar = ProgressBar(total: files.count, label: "files")
            results = BatchRunner.map(files, progress: { d, _ in bar.update(d) }) { try extractor.windowFeatures(path: $0) }
            described = "\(layers.joined(separator: "+")), \(model)"
        } else {
            let tagger = try loadTagger(model: model, length: length, overlap: overlap)
            let bar = ProgressBar(total: files.count, label: "files")
            let pool = self.pool
            results = BatchRunner.map(files, progress: { d, _ in bar.update(d) }) {
                WindowFeatures(analysis: try tagger.analyze(path: $0, features: Set(layers), pooling: pool), layers: layers)
            }
            described = "\(layers.joined(separator: "+")), \(model)"
        }
        var rows: [(path: String, window: Int, start: Double)] = []
        var values: [Float] = []
        var width = 0, failures = 0
        for (file, r) in zip(files, results) {
            switch r {
            case .failure(let e): failures += 1; printError("error: \(e)")
            case .success(let f):
                width = f.dimension
                values += f.matrix.values
                for i in 0..<f.windowCount { rows.append((file, i, f.windowStarts[i])) }
            }
        }
        if out.hasSuffix(".npy") {
            try NPYArray(shape: [rows.count, width], values: values).write(to: out)
            let index = "path,window,start_s\n" + rows.map { "\(csvField($0.path)),\($0.window),\($0.start)" }.joined(separator: "\n") + "\n"
            try index.write(toFile: out + ".rows.csv", atomically: true, encoding: .utf8)
        } else {
            var text = "path,window,start_s," + (0..<width).map { "f\($0)" }.joined(separator: ",") + "\n"
            for (i, r) in rows.enumerated() {
                text += "\(csvField(r.path)),\(r.window),\(r.start)," + values[i * width..<(i + 1) * width].map { "\($0)" }.joined(separator: ",") + "\n"
            }
            try text.write(toFile: out, atomically: true, encoding: .utf8)
        }
        printError("\(rows.count) rows × \(width) features (\(described)) → \(out)")
        if failures > 0 { throw ExitCode(1) }
    }
}

