import Foundation
import GenreKitCore
import XCTest
import GenreKitDSP
import GenreKitNN
@_spi(Benchmarks) @testable import GenreKitModels

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

/// Checks of constant-filter pruning and folding that hold on every BLAS kernel.
///
/// * Pruning alone is exact by construction: the unpruned network computes the proved-dead filters in a GEMM of
///   their own, so the live filters go through the very GEMMs of the pruned network, and the dead filters' computed
///   outputs must equal the constants pruning puts in their place (which checks the proof on this input). Every
///   output of the two networks is the same number.
/// * Folding the constant channels into the first mid-end convolution's per-frame bias only reorders that
///   convolution's float32 sums. For one output `z = b + Σ_{j<K} x_j·w_j` (`K = 7·561` terms, bias and folded
///   constants as two more) two summation orders differ by at most `2·γ_{K+2}·(Σ|x_j·w_j| + |b|)`,
///   `γ_n = n·u/(1 − n·u)`, `u = 2⁻²⁴`; ReLU does not increase it, BN multiplies it by `|s|`, and the two BN
///   evaluations `fl(fl(r·s) + t)` add at most `2u(|r·s| + |t|)` each. `cnn1` is asserted within that bound,
///   element by element, with `Σ|x_j·w_j|` computed as the convolution of `|x|` with `|w|` (float32 sums of
///   non-negative terms are low by at most a factor `1 − γ_K`).
enum PruningChecks {
    static let u = Double(Float.ulpOfOne) / 2

    static func gamma(_ n: Int) -> Double { Double(n) * u / (1 - Double(n) * u) }

    /// Pruned-only (no fold) against unpruned: every output bitwise equal.
    static func assertPruningExact(pruned: MusicnnModel, unpruned: MusicnnModel, x: [Float], count: Int, _ label: String,
                                   file: StaticString = #filePath, line: UInt = #line) {
        let features = Set(MusicnnModel.featureNames)
        let a = pruned.predict(patches: x, count: count, features: features)
        let b = unpruned.predict(patches: x, count: count, features: features)
        XCTAssertEqual(zip(a.taggram.values, b.taggram.values).filter { $0 != $1 }.count, 0, "\(label) taggram", file: file, line: line)
        for f in features.sorted() {
            let differing = zip(a.features[f]!.values, b.features[f]!.values).filter { $0 != $1 }.count
            XCTAssertEqual(differing, 0, "\(label) \(f): values that differ between pruned and unpruned", file: file, line: line)
        }
    }

    /// Folded against unfolded first mid-end convolution (`cnn1`), on the same front end, within the derived bound.
    /// Returns the largest ratio of an observed difference to its bound.
    @discardableResult
    static func assertFoldWithinBound(folded: MusicnnModel, unfolded: MusicnnModel, x: [Float], count: Int, _ label: String,
                                      file: StaticString = #filePath, line: UInt = #line) -> Double {
        let frames = x.count / (count * 96)
        let xn = unfolded.normalizedInput(x, count: count, frames: frames)
        let front = unfolded.frontend(xn).full
        let active = folded.frontend(xn).active
        XCTAssertEqual(unfolded.mid1.inputChannels, unfolded.frontendChannels, "the reference convolution is unfolded", file: file, line: line)
        let a = folded.mid1.forward(active), b = unfolded.mid1.forward(front)
        // Σ_j |x_j·w_j| + |b| per output, from the unfolded convolution's own layout.
        let conv = unfolded.mid1.conv, kh = unfolded.mid1.kernelHeight, c = front.shape[2], f = unfolded.mid1.filters
        let p = (kh - 1) / 2
        let absKernel = Tensor(shape: conv.kernel.shape, values: conv.kernel.values.map { abs($0) })
        let absFront = Tensor(shape: [count, frames, 1, c], values: front.values.map { abs($0) })
            .padded([(0, 0), (p, kh - 1 - p), (0, 0), (0, 0)])
        let sums = Conv2D(kernel: absKernel, bias: unfolded.mid1.bias.map { abs($0) }, padding: .valid)(absFront)
        let k = kh * c
        let scale = unfolded.mid1.bn.scale, shift = unfolded.mid1.bn.shift
        var worst = 0.0
        for i in 0..<b.count {
            let o = i % f
            let s = Double(abs(scale[o])), t = Double(abs(shift[o]))
            let sum = Double(sums.values[i]) / (1 - gamma(k))
            let bound = s * 2 * gamma(k + 2) * sum + 4 * u * (Double(max(abs(a.values[i]), abs(b.values[i]))) + 2 * t)
            let d = Double(abs(a.values[i] - b.values[i]))
            worst = max(worst, d / bound)
        }
        XCTAssertLessThanOrEqual(worst, 1, "\(label) cnn1: folded vs unfolded beyond the derived bound", file: file, line: line)
        return worst
    }
}
