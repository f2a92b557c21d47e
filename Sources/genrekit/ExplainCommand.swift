import ArgumentParser
import Foundation
import GenreKit

extension ExplainMethod: ExpressibleByArgument {}

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show why a song got a class: a saliency map over its log-mel spectrogram (SVG, JSON or NPY).")

    @Argument(help: "Audio file.") var file: String
    @Option(help: "A pre-trained network (MSD_musicnn, …) or a model file from genrekit train / finetune.") var model: String
    @Option(name: .customLong("class"), help: "Class or tag to explain (default: the highest-scoring one over the song).")
    var label: String?
    @Option(help: "gradient, smoothgrad, integrated, occlusion or gradcam.") var method: ExplainMethod = .gradient
    @Option(help: "Output: .svg (picture), .json or .npy (raw map, windows × frames × 96).") var out: String
    @Option(help: "SmoothGrad samples.") var samples = 16
    @Option(help: "SmoothGrad noise (fraction of the window's value range).") var noise = 0.15
    @Option(help: "Integrated-gradient steps.") var steps = 32
    @Option(help: "Occlusion patch: frames x mel bands, e.g. 16x8.") var patch = "16x8"
    @Option(help: "Random seed (SmoothGrad noise, random deletion order).") var seed: UInt64 = 0
    @Option(help: "Also measure the deletion curve with this many steps: prints the mean area for the map's order and for a random order (lower = the map found what the score depends on).")
    var deletion: Int?

    func run() throws {
        try reportingErrors {
            let scorer: PatchScorer
            let name: String
            if model.hasSuffix(".gkmodel") || FileManager.default.fileExists(atPath: model) {
                scorer = try PatchScorer(model: GenreModel.read(from: model))
                name = (model as NSString).lastPathComponent
            } else {
                scorer = try PatchScorer.pretrained(model)
                name = model
            }
            var options = ExplainOptions()
            options.samples = samples; options.noise = noise; options.steps = steps; options.seed = seed
            let p = patch.split(separator: "x").compactMap { Int($0) }
            guard p.count == 2, p[0] > 0, p[1] > 0 else { throw ValidationError("--patch takes FRAMESxBANDS, e.g. 16x8") }
            options.occlusionFrames = p[0]; options.occlusionBands = p[1]
            let explainer = SaliencyExplainer(scorer: scorer, options: options)
            let map = try explainer.explain(path: file, class: try scorer.classIndex(label), method: method, modelName: name)
            switch (out as NSString).pathExtension.lowercased() {
            case "svg": try SaliencyPicture.svg(map).write(toFile: out, atomically: true, encoding: .utf8)
            case "json": try map.json().write(to: URL(fileURLWithPath: out))
            case "npy": try map.writeNPY(to: out)
            default: throw ValidationError("--out must end in .svg, .json or .npy")
            }
            if let deletion {
                let (a, r) = explainer.deletionAreas(map, steps: deletion, seed: seed)
                let record: [String: Any] = ["path": file, "label": map.label, "method": method.rawValue, "deletion_area": a, "random_area": r]
                print(String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self))
            }
            let mean = map.scores.reduce(0, +) / Double(max(map.scores.count, 1))
            printError("\(file): \(map.label) by \(method.rawValue), \(map.scores.count) windows, mean score \(String(format: "%.3f", mean)) -> \(out)")
        }
    }
}
