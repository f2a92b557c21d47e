import Foundation
import GenreKit
@testable import GenreKitServer
import Hummingbird
import HummingbirdTesting
import XCTest

/// What the server tests share: synthetic songs, one registry (MSD_musicnn and a genre classifier trained here on
/// two synthetic "genres"), loaded once for the whole test class, and the OpenAPI document's checker.
enum ServerFixture {
    /// A mono 16-kHz WAV: a chord of `freqs`, pulsing at `pulse` Hz (0: steady), `seconds` long.
    static func wav(freqs: [Double], pulse: Double = 0, seconds: Double = 4, detune: Double = 0) throws -> Data {
        let sr = 16000, n = Int(seconds * Double(sr))
        var x = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let t = Double(i) / Double(sr)
            let env = pulse > 0 ? 0.5 + 0.5 * sin(2 * .pi * pulse * t) : 1
            var s = 0.0
            for f in freqs { s += sin(2 * .pi * f * (1 + detune) * t) }
            x[i] = Float(0.2 * env * s / Double(freqs.count))
        }
        let path = NSTemporaryDirectory() + "gk-server-wav-\(UUID().uuidString).wav"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try AudioEncoder.write(x, channels: 1, sampleRate: sr, format: .wav16, to: path)
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    static let genres: [(name: String, freqs: [Double], pulse: Double)] = [("drone", [110, 165], 0), ("bells", [880, 1320, 1760], 2)]

    /// The loaded registry, or nil when MSD_musicnn is not installed.
    static let registry: Result<ModelRegistry, Error>? = {
        guard ModelStore().isInstalled("MSD_musicnn") else { return nil }
        return Result<ModelRegistry, Error> {
            let folder = NSTemporaryDirectory() + "gk-server-models-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let spec = try CombinedFeatureSpec(parsing: "MSD_musicnn:max_pool")
            let extractor = try CombinedFeatureExtractor(spec: spec, cache: nil)
            var items: [ItemFeatures] = []
            for (label, g) in genres.enumerated() {
                for k in 0..<3 {
                    let path = "\(folder)/\(g.name)\(k).wav"
                    try wav(freqs: g.freqs, pulse: g.pulse, detune: 0.01 * Double(k)).write(to: URL(fileURLWithPath: path))
                    let f = try extractor.extract(paths: [path], progress: nil)[0].get()
                    items.append(ItemFeatures(id: path, label: label, windows: f.windows.matrix.values, windowCount: f.windows.windowCount,
                                              song: f.song, windowStarts: f.windows.windowStarts))
                    try FileManager.default.removeItem(atPath: path)
                }
            }
            let model = try Trainer(settings: TrainerSettings(choice: .logreg, folds: 0))
                .train(items, labels: genres.map(\.name), featureSpec: spec.key)
            try model.write(to: "\(folder)/genres.gkmodel")
            // A tagger on the same features: drone is "low" and "steady", bells "high".
            let tagged = items.map { i in
                ItemFeatures(id: i.id, label: -1, windows: i.windows, windowCount: i.windowCount, song: i.song, windowStarts: i.windowStarts,
                             labelSet: i.label == 0 ? [0, 2] : [1])
            }
            let tagger = try TagTrainer(settings: TrainerSettings(choice: .logreg, folds: 0))
                .train(tagged, labels: ["low", "high", "steady"], featureSpec: spec.key)
            try tagger.write(to: "\(folder)/texture.gkmodel")
            try Data("not a model".utf8).write(to: URL(fileURLWithPath: "\(folder)/broken.gkmodel"))
            return try ModelRegistry(pretrained: ["MSD_musicnn"], store: ModelStore(), directory: folder)
        }
    }()

    /// The shared registry, or a skip (a failure with GENREKIT_REQUIRE_MODELS=1).
    static func loadedRegistry() throws -> ModelRegistry {
        guard let registry else {
            if ProcessInfo.processInfo.environment["GENREKIT_REQUIRE_MODELS"] == "1" { XCTFail("MSD_musicnn missing") }
            throw XCTSkip("MSD_musicnn not installed")
        }
        return try registry.get()
    }
}

/// Checks JSON values against the schemas of the committed OpenAPI document (a subset of JSON Schema: `$ref`,
/// `type`, `required`, `properties`, `additionalProperties`, `items`, `enum`, `minimum`, `maximum`).
struct OpenAPIChecker: @unchecked Sendable {
    let document: [String: Any]

    init() throws {
        document = try JSONSerialization.jsonObject(with: Data(PackageResources.openapi_json)) as! [String: Any]
    }

    /// Problems of a response to `method path` against the document: an undocumented status or content type, or a
    /// body that does not match the schema. Empty when it conforms.
    func problems(path: String, method: String, status: Int, contentType: String?, body: Data) -> [String] {
        guard let paths = document["paths"] as? [String: Any], let item = paths[path] as? [String: Any],
              let op = item[method.lowercased()] as? [String: Any], let responses = op["responses"] as? [String: Any] else {
            return ["\(method) \(path) is not in the document"]
        }
        guard let response = responses[String(status)] as? [String: Any] else { return ["\(method) \(path): status \(status) is not documented"] }
        guard let content = response["content"] as? [String: Any] else { return body.isEmpty ? [] : ["\(status) has no documented body"] }
        let type = contentType.map { String($0.split(separator: ";")[0]).trimmingCharacters(in: .whitespaces) } ?? ""
        guard let media = content[type] as? [String: Any] else { return ["\(method) \(path) \(status): content type '\(type)' is not documented"] }
        guard let schema = media["schema"] as? [String: Any] else { return [] }
        if type == "text/html" { return [] }
        guard let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else { return ["body is not JSON"] }
        return validate(value, schema, at: "$")
    }

    func resolve(_ schema: [String: Any]) -> [String: Any] {
        guard let ref = schema["$ref"] as? String else { return schema }
        var node: Any = document
        for part in ref.dropFirst(2).split(separator: "/") { node = (node as! [String: Any])[String(part)]! }
        return resolve(node as! [String: Any])
    }

    func validate(_ value: Any, _ raw: [String: Any], at path: String) -> [String] {
        let schema = resolve(raw)
        var problems: [String] = []
        if let type = schema["type"] {
            let types = (type as? [String]) ?? [type as! String]
            if !types.contains(where: { Self.matches(value, $0) }) { return ["\(path): expected \(types.joined(separator: "|")), got \(Swift.type(of: value))"] }
        }
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { "\($0)" == "\(value)" }) { problems.append("\(path): \(value) not in \(allowed)") }
        if let n = (value as? NSNumber)?.doubleValue {
            if let lo = schema["minimum"] as? Double, n < lo { problems.append("\(path): \(n) < \(lo)") }
            if let hi = schema["maximum"] as? Double, n > hi { problems.append("\(path): \(n) > \(hi)") }
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { problems.append("\(path): missing required '\(key)'") }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, v) in object {
                if let p = properties[key] as? [String: Any] { problems += validate(v, p, at: "\(path).\(key)") }
                else if let extra = schema["additionalProperties"] as? [String: Any] { problems += validate(v, extra, at: "\(path).\(key)") }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (i, v) in array.enumerated() { problems += validate(v, items, at: "\(path)[\(i)]") }
        }
        return problems
    }

    static func matches(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "boolean": return value is Bool
        case "integer": return (value as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } == true
        case "number": return value is NSNumber
        case "null": return value is NSNull
        default: return false
        }
    }
}

/// A response body's bytes and text.
func bytes(_ buffer: ByteBuffer) -> Data { Data(buffer.readableBytesView) }
func text(_ buffer: ByteBuffer) -> String { String(decoding: buffer.readableBytesView, as: UTF8.self) }
