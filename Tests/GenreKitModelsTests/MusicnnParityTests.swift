import Foundation
import XCTest
import GenreKitDSP
import GenreKitNN
@_spi(Benchmarks) @testable import GenreKitModels

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

    /// Dropping the provably constant front-end filters leaves every output unchanged, on every BLAS kernel
    /// (see ``PruningChecks``): (a) pruning alone gives bitwise the unpruned network's outputs; (b) folding the
    /// constant channels into the mid-end bias keeps `cnn1` within the float32 reassociation bound, and downstream
    /// the folded network stays within the TensorFlow parity contract of the unpruned one: both are within 1e-5 of
    /// TensorFlow (`check`), so within 2e-5 of each other.
    func testPruningLeavesOutputsUnchanged() throws {
        let features = Set(MusicnnModel.featureNames)
        for name in ["MSD_musicnn", "MTT_musicnn"] {
            guard case .musicnn(let full) = try LoadedModels.model(name, pruned: false),
                  case .musicnn(let folded) = try LoadedModels.model(name) else { return XCTFail("\(name) is musicnn") }
            let arch = ModelArchitecture.named(name)!
            let prunedOnly = try MusicnnModel(architecture: arch, weights: try ModelStore().checkpoint(for: name),
                                              pruneConstantFilters: true, foldConstantChannels: false)
            for input in ["patches", "clip"] {
                let (x, count) = try Fixtures.input(input)
                PruningChecks.assertPruningExact(pruned: prunedOnly, unpruned: full, x: x, count: count, "\(name) \(input)")
                let ratio = PruningChecks.assertFoldWithinBound(folded: folded, unfolded: full, x: x, count: count, "\(name) \(input)")
                let ref = full.predict(patches: x, count: count, features: features)
                let out = folded.predict(patches: x, count: count, features: features)
                let d = Diff(out.taggram.values, ref.taggram.values)
                XCTAssertLessThanOrEqual(d.maxAbs, 2e-5, "\(name) \(input) folded taggram")
                var worst: (String, Float) = ("taggram abs", d.maxAbs)
                for f in features.sorted() {
                    let d = Diff(out.features[f]!.values, ref.features[f]!.values)
                    XCTAssertLessThanOrEqual(d.relative, 2e-5, "\(name) \(input) folded \(f): \(d)")
                    if d.relative > worst.1 { worst = (f, d.relative) }
                }
                print("PRUNING \(name) \(input): pruned bitwise equal; folded cnn1 at \(ratio) of its bound, worst \(worst.0) \(worst.1)")
            }
        }
    }

    /// The back end pools the front end and the three mid-end outputs part by part instead of over their
    /// concatenation: max_pool, mean_pool, penultimate and taggram are bit for bit those of the concatenated tensor
    /// (each channel's reduction runs over time in the same order), in every precision.
    func testBackendOfPartsIsTheBackendOfTheirConcatenation() throws {
        let (x, count) = try PrecisionDriftTests.patches()
        let frames = 187, n = Swift.min(count, 3)
        for name in ["MSD_musicnn", "MTT_musicnn"] {
            guard case .musicnn(let loaded) = try LoadedModels.model(name) else { return XCTFail("\(name) is musicnn") }
            for precision in InferencePrecision.allCases {
                let m = loaded.forcingPrecision(precision)
                let xn = m.normalizedInput(Array(x.prefix(n * frames * MusicnnInput.melBands)), count: n, frames: frames)
                let (full, active) = m.frontend(xn)
                let (c1, c2, c3) = m.midend(active: m.mid1.inputChannels == m.frontendChannels ? full : active)
                let parts = [full, c1, c2, c3]
                let whole = Tensor.concatenate(parts, alongAxis: 2)
                XCTAssertEqual(whole.shape, [n, frames, m.poolChannels], "\(name) \(precision)")
                let a = m.backend(parts: parts), b = m.backend(whole)
                XCTAssertEqual(a.0.shape, [n, m.poolChannels])
                for (i, (u, v)) in [(a.0, b.0), (a.1, b.1), (a.2, b.2), (a.3, b.3)].enumerated() {
                    XCTAssertEqual(u.shape, v.shape, "\(name) \(precision) output \(i)")
                    XCTAssertTrue(u.values == v.values, "\(name) \(precision) output \(i) differs from the concatenation's")
                }
                // The pools are the columns' own extremes and means, not a copy of one part.
                XCTAssertEqual(a.0.values[m.poolChannels - 1], (0..<frames).map { whole.values[($0 + 1) * m.poolChannels - 1] }.max()!)
                // The front end's pools from its active channels and constants alone equal those of all 561 channels.
                let fp = m.frontendPools(active: active)
                XCTAssertTrue(fp.max.values == full.max(alongAxis: 1).values, "\(name) \(precision) front-end max pool")
                XCTAssertTrue(fp.mean.values == full.mean(alongAxis: 1).values, "\(name) \(precision) front-end mean pool")
                // predict() pools the active channels unless front-end features are asked for: the same outputs either way.
                let patches = Array(x.prefix(n * frames * MusicnnInput.melBands))
                let lean = m.predict(patches: patches, count: n, features: ["max_pool", "mean_pool", "penultimate"])
                let withFront = m.predict(patches: patches, count: n, features: ["max_pool", "mean_pool", "penultimate", "timbral", "temporal"])
                XCTAssertTrue(lean.taggram.values == b.3.values && withFront.taggram.values == b.3.values, "\(name) \(precision) taggram")
                for f in ["max_pool", "mean_pool", "penultimate"] {
                    XCTAssertTrue(lean.features[f]!.values == withFront.features[f]!.values, "\(name) \(precision) \(f)")
                }
                XCTAssertTrue(lean.features["max_pool"]!.values == b.0.values && lean.features["mean_pool"]!.values == b.1.values)
                XCTAssertNil(lean.features["timbral"])
                XCTAssertEqual(withFront.features["timbral"]!.shape[2] + withFront.features["temporal"]!.shape[2], m.frontendChannels)
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
        // Chunks change the GEMM row counts, hence possibly the summation order. A worst-case float32 bound through the
        // whole network is useless here (it exceeds 1 at the taggram), so both chunkings are held to the TensorFlow
        // parity contract instead: chunk size 1 within 1e-5 of TensorFlow, like the default chunking in
        // testMTTMusicnnPatches, hence the two within 2e-5 of each other.
        XCTAssertLessThanOrEqual(Diff(b.taggram.values, try Fixtures.npy("patches.MTT_musicnn.taggram.npy").values).maxAbs, 1e-5, "chunk 1 taggram vs TF")
        for f in ["penultimate", "max_pool", "mean_pool"] {
            let d = Diff(b.features[f]!.values, try Fixtures.npy("patches.MTT_musicnn.\(f).npy").values)
            XCTAssertLessThanOrEqual(d.relative, 1e-5, "chunk 1 \(f) vs TF: \(d)")
        }
        XCTAssertLessThanOrEqual(a.taggram.maxAbsDifference(b.taggram), 2e-5)
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
