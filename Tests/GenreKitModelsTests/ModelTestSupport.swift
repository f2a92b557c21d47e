import Foundation
import GenreKitCore
import XCTest
import GenreKitDSP
import GenreKitNN
@testable import GenreKitModels

/// Loads (once per process) the published models from `ModelStore()` (`$GENREKIT_MODELS`).
enum LoadedModels {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [String: PretrainedModel] = [:]

    /// The model, or `XCTSkip` when its folder is absent (a failure when `GENREKIT_REQUIRE_MODELS=1`).
    static func model(_ name: String, pruned: Bool = true) throws -> PretrainedModel {
        let key = name + (pruned ? "" : "/unpruned")
        lock.lock()
        defer { lock.unlock() }
        if let m = cache[key] { return m }
        let store = ModelStore()
        guard store.isInstalled(name) else {
            if ProcessInfo.processInfo.environment["GENREKIT_REQUIRE_MODELS"] == "1" {
                XCTFail("model \(name) missing under \(store.root) and GENREKIT_REQUIRE_MODELS=1")
                throw ModelStoreError.modelMissing(name: name, directory: store.directory(for: name))
            }
            throw XCTSkip("model \(name) not installed under \(store.root) (set GENREKIT_MODELS)")
        }
        let m = try PretrainedModel.load(name, store: store, pruneConstantFilters: pruned)
        cache[key] = m
        return m
    }
}

enum Fixtures {
    static func path(_ name: String) -> String? {
        let base = (name as NSString).deletingPathExtension, ext = (name as NSString).pathExtension
        return Bundle.module.path(forResource: base, ofType: ext, inDirectory: "Fixtures")
    }

    static func npy(_ name: String) throws -> NPYArray {
        guard let p = path(name) else { throw XCTSkip("fixture \(name) not present") }
        return try NPYArray(contentsOf: p)
    }

    /// The reference inputs: `patches` (LCG) and `clip` (windows of clip.logmel.npy, hop 187).
    static func input(_ name: String) throws -> (values: [Float], count: Int) {
        let per = 187 * 96
        switch name {
        case "patches":
            return (ReferencePatches.make(), ReferencePatches.count)
        case "clip":
            let logmel = try npy("clip.logmel.npy")
            let frames = logmel.shape[0]
            let windows = (frames - 187) / 187 + 1
            var v: [Float] = []
            for w in 0..<windows { v += logmel.values[(w * per)..<(w * per + per)] }
            return (v, windows)
        default:
            fatalError("unknown input \(name)")
        }
    }
}

/// Summary numbers of one comparison.
struct Diff: CustomStringConvertible {
    var maxAbs: Float
    var scale: Float
    var relative: Float { maxAbs / max(scale, .leastNormalMagnitude) }
    var description: String { String(format: "abs %.3g rel %.3g", Double(maxAbs), Double(relative)) }

    init(_ a: [Float], _ ref: [Float]) {
        precondition(a.count == ref.count, "Diff: \(a.count) vs \(ref.count)")
        var m: Float = 0, s: Float = 0
        for i in 0..<a.count { m = max(m, abs(a[i] - ref[i])); s = max(s, abs(ref[i])) }
        maxAbs = m
        scale = s
    }
}

extension Tensor {
    /// Mean over axis 1 accumulated in double (the fixtures' reduction of `[W, T, C]` features).
    func meanOverAxis1Double() -> [Float] {
        let w = shape[0], t = shape[1], c = count / (shape[0] * shape[1])
        var out = [Float](repeating: 0, count: w * c)
        for i in 0..<w {
            for ch in 0..<c {
                var s = 0.0
                for k in 0..<t { s += Double(values[(i * t + k) * c + ch]) }
                out[i * c + ch] = Float(s / Double(t))
            }
        }
        return out
    }

    /// Mean over both spatial axes of `[W, H, W', C]` in double.
    func spatialMeanDouble() -> [Float] {
        reshaped([shape[0], shape[1] * shape[2], shape[3]]).meanOverAxis1Double()
    }
}
