import Foundation
import XCTest
import GenreKitDSP
import GenreKitNN
@testable import GenreKitModels

/// Swift vs TensorFlow (musicnn 0.1.0) on identical inputs; fixtures from
/// reference/make_musicnn_fixtures.py. Needs the weights (`$GENREKIT_MODELS`), skipped otherwise.
final class MusicnnParityTests: XCTestCase {
    static let musicnnFull = ["taggram", "penultimate", "max_pool", "mean_pool"]
    static let musicnnMeans = ["timbral", "temporal", "cnn1", "cnn2", "cnn3"]

    /// Compares every fixture feature of `model` on `input`; returns the diffs by feature.
    @discardableResult
    func check(_ modelName: String, input: String, pruned: Bool = true,
               file: StaticString = #filePath, line: UInt = #line) throws -> [String: Diff] {
        let model = try LoadedModels.model(modelName, pruned: pruned)
        let (x, count) = try Fixtures.input(input)
        let isVGG = model.architecture.kind == .vgg
        let features = Set(model.architecture.featureNames)
        let out = model.predict(patches: x, count: count, features: features)
        XCTAssertEqual(out.taggram.shape, [count, 50], file: file, line: line)
        var diffs: [String: Diff] = [:]
        func compare(_ name: String, _ mine: [Float], tol: Float, absolute: Bool) throws {
            let ref = try Fixtures.npy("\(input).\(modelName).\(name).npy")
            XCTAssertEqual(ref.values.count, mine.count, "\(name) size", file: file, line: line)
            guard ref.values.count == mine.count else { return }
            let d = Diff(mine, ref.values)
            diffs[name] = d
            if absolute {
                XCTAssertLessThanOrEqual(d.maxAbs, tol, "\(modelName) \(input) \(name): \(d)", file: file, line: line)
            } else {
                XCTAssertLessThanOrEqual(d.relative, tol, "\(modelName) \(input) \(name): \(d)", file: file, line: line)
            }
        }
        try compare("taggram", out.taggram.values, tol: 1e-5, absolute: true)
        if isVGG {
            try compare("pool5", out.features["pool5"]!.values, tol: 1e-5, absolute: false)
            for p in ["pool1", "pool2", "pool3", "pool4"] {
                try compare(p, out.features[p]!.spatialMeanDouble(), tol: 1e-5, absolute: false)
            }
        } else {
            for f in ["penultimate", "max_pool", "mean_pool"] {
                try compare(f, out.features[f]!.values, tol: 1e-5, absolute: false)
            }
            for f in Self.musicnnMeans {
                try compare(f, out.features[f]!.meanOverAxis1Double(), tol: 1e-5, absolute: false)
            }
        }
        let summary = diffs.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "; ")
        print("PARITY \(modelName) \(input)\(pruned ? "" : " unpruned"): \(summary)")
        return diffs
    }

    func testMTTMusicnnPatches() throws { try check("MTT_musicnn", input: "patches") }
    func testMTTMusicnnClip() throws { try check("MTT_musicnn", input: "clip") }
    func testMSDMusicnnPatches() throws { try check("MSD_musicnn", input: "patches") }
    func testMSDMusicnnClip() throws { try check("MSD_musicnn", input: "clip") }
    func testMTTVGGPatches() throws { try check("MTT_vgg", input: "patches") }
    func testMTTVGGClip() throws { try check("MTT_vgg", input: "clip") }
    func testMSDVGGPatches() throws { try check("MSD_vgg", input: "patches") }
    func testMSDVGGClip() throws { try check("MSD_vgg", input: "clip") }

    /// The unpruned network matches TensorFlow too.
    func testMSDMusicnnUnprunedPatches() throws { try check("MSD_musicnn", input: "patches", pruned: false) }

    /// Dropping the provably constant front-end filters leaves every output unchanged (≤ 1e-6):
    /// (a) pruning alone (constant channels still fed to the mid end) and (b) pruning plus folding the
    /// constant channels into the mid-end bias (exact in real arithmetic; float32 reassociation only).
    func testPruningLeavesOutputsUnchanged() throws {
        let features = Set(MusicnnModel.featureNames)
        for name in ["MSD_musicnn", "MTT_musicnn"] {
            let full = try LoadedModels.model(name, pruned: false)
            let store = ModelStore()
            let arch = ModelArchitecture.named(name)!
            let prunedOnly = try MusicnnModel(architecture: arch, weights: try store.checkpoint(for: name),
                                              pruneConstantFilters: true, foldConstantChannels: false)
            let folded = try LoadedModels.model(name)
            for input in ["patches", "clip"] {
                let (x, count) = try Fixtures.input(input)
                let ref = full.predict(patches: x, count: count, features: features)
                for (label, out) in [("pruned", prunedOnly.predict(patches: x, count: count, features: features)),
                                     ("pruned+folded", folded.predict(patches: x, count: count, features: features))] {
                    let d = Diff(out.taggram.values, ref.taggram.values)
                    XCTAssertLessThanOrEqual(d.maxAbs, 1e-6, "\(name) \(input) \(label) taggram")
                    var worst: (String, Float) = ("taggram abs", d.maxAbs)
                    for f in features.sorted() {
                        let d = Diff(out.features[f]!.values, ref.features[f]!.values)
                        // Front-end features are bit-identical; downstream, the fold reorders float32 sums.
                        XCTAssertLessThanOrEqual(d.relative, label == "pruned" ? 1e-6 : 2e-6, "\(name) \(input) \(label) \(f): \(d)")
                        if d.relative > worst.1 { worst = (f, d.relative) }
                    }
                    print("PRUNING \(name) \(input) \(label) vs unpruned: worst \(worst.0) \(worst.1)")
                }
            }
        }
    }

    /// Constant-filter counts per front-end branch (proved at load).
    func testConstantFilterCounts() throws {
        let expected: [String: [Int]] = ["MSD_musicnn": [164, 183, 26, 15, 10], "MTT_musicnn": [45, 107, 6, 5, 1]]
        for (name, counts) in expected {
            guard case .musicnn(let m) = try LoadedModels.model(name) else { return XCTFail("\(name) kind") }
            let got = m.constantFilterCounts.map(\.constant)
            print("CONSTANT FILTERS \(name): \(m.constantFilterCounts.map { "\($0.branch) \($0.constant)/\($0.filters)" }.joined(separator: ", "))")
            XCTAssertEqual(got, counts, name)
        }
    }

    /// Features come back in musicnn's shapes; a chunk size smaller than the batch gives the same result.
    func testShapesAndChunking() throws {
        guard case .musicnn(var m) = try LoadedModels.model("MTT_musicnn") else { return XCTFail("kind") }
        let (x, count) = try Fixtures.input("patches")
        let all = Set(MusicnnModel.featureNames)
        let a = m.predict(patches: x, count: count, features: all)
        XCTAssertEqual(a.features["timbral"]?.shape, [2, 187, 408])
        XCTAssertEqual(a.features["temporal"]?.shape, [2, 187, 153])
        XCTAssertEqual(a.features["cnn3"]?.shape, [2, 187, 64])
        XCTAssertEqual(a.features["max_pool"]?.shape, [2, 753])
        XCTAssertEqual(a.features["penultimate"]?.shape, [2, 200])
        m.chunkSize = 1
        let b = m.predict(patches: x, count: count, features: all)
        // Chunks change the GEMM row counts, hence possibly the summation order: within the derived float32 bound.
        guard case .musicnn(let reference) = try LoadedModels.model("MTT_musicnn", pruned: false) else { return XCTFail("kind") }
        let bound = MusicnnRoundingBound(reference: reference, patches: x, count: count, a, b)
        let t = MusicnnRoundingBound.excess(a.taggram, b.taggram, bound: bound.taggram)
        print("MTT_musicnn chunk 8 vs 1: taggram max diff \(a.taggram.maxAbsDifference(b.taggram)), derived bound up to \(t.largestBound)")
        XCTAssertLessThanOrEqual(t.excess, 0, "taggram beyond the derived bound")
        let v = try LoadedModels.model("MTT_vgg").predict(patches: x, count: count, features: Set(VGGModel.featureNames))
        XCTAssertEqual(v.features["pool1"]?.shape, [2, 92, 48, 128])
        XCTAssertEqual(v.features["pool4"]?.shape, [2, 11, 6, 128])
        XCTAssertEqual(v.features["pool5"]?.shape, [2, 2, 1, 128])
    }

    /// Concurrent predictions from several threads agree with the serial one.
    func testConcurrentUse() throws {
        let model = try LoadedModels.model("MSD_musicnn")
        let (x, count) = try Fixtures.input("clip")
        let serial = model.predict(patches: x, count: count)
        let lock = NSLock()
        nonisolated(unsafe) var results: [Float] = []
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let d = model.predict(patches: x, count: count).taggram.maxAbsDifference(serial.taggram)
            lock.lock(); results.append(d); lock.unlock()
        }
        XCTAssertEqual(results, [0, 0, 0, 0])
    }
}
