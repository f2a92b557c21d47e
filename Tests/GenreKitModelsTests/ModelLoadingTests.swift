import XCTest
import GenreKitNN
@testable import GenreKitModels

/// Architecture bookkeeping and loading checks on synthetic weights (no checkpoint needed).
final class ModelLoadingTests: XCTestCase {
    /// Deterministic weights with the shapes and TF auto-names of `arch`. Filters whose index is
    /// a multiple of 3 in the front end get a very negative bias (provably dead).
    static func syntheticWeights(_ arch: ModelArchitecture, seed: UInt32 = 7) -> [String: Tensor] {
        var state = seed
        func uniform(_ n: Int, _ lo: Float, _ hi: Float) -> [Float] {
            (0..<n).map { _ in
                state = state &* 1_664_525 &+ 1_013_904_223
                return lo + (hi - lo) * Float(state >> 8) * 0x1p-24
            }
        }
        var w: [String: Tensor] = [:]
        var bnIndex = 0
        func bn(_ c: Int) {
            let s = bnIndex == 0 ? "batch_normalization" : "batch_normalization_\(bnIndex)"
            bnIndex += 1
            w[s + "/gamma"] = Tensor(shape: [c], values: uniform(c, -1.2, 1.5))
            w[s + "/beta"] = Tensor(shape: [c], values: uniform(c, -0.5, 0.5))
            w[s + "/moving_mean"] = Tensor(shape: [c], values: uniform(c, -0.5, 0.5))
            w[s + "/moving_variance"] = Tensor(shape: [c], values: uniform(c, 0.2, 2))
        }
        func conv(_ name: String, _ shape: [Int], deadEvery: Int = 0) {
            let fanIn = shape[0] * shape[1] * shape[2]
            let r = 1 / Float(fanIn).squareRoot()
            w[name + "/kernel"] = Tensor(shape: shape, values: uniform(shape.reduce(1, *), -r, r))
            var b = uniform(shape[3], -0.1, 0.1)
            if deadEvery > 0 { for c in stride(from: 0, to: shape[3], by: deadEvery) { b[c] = -1000 } }
            w[name + "/bias"] = Tensor(shape: [shape[3]], values: b)
        }
        func dense(_ name: String, _ i: Int, _ o: Int) {
            let r = 1 / Float(i).squareRoot()
            w[name + "/kernel"] = Tensor(shape: [i, o], values: uniform(i * o, -r, r))
            w[name + "/bias"] = Tensor(shape: [o], values: uniform(o, -0.1, 0.1))
        }
        bn(1)
        switch arch.kind {
        case .musicnn:
            let f = arch.midendFilters
            conv("conv2d", [7, 38, 1, 204], deadEvery: 3); bn(204)
            conv("conv2d_1", [7, 67, 1, 204], deadEvery: 3); bn(204)
            conv("conv2d_2", [128, 1, 1, 51], deadEvery: 3); bn(51)
            conv("conv2d_3", [64, 1, 1, 51], deadEvery: 3); bn(51)
            conv("conv2d_4", [32, 1, 1, 51], deadEvery: 3); bn(51)
            conv("conv2d_5", [7, 561, 1, f]); bn(f)
            conv("conv2d_6", [7, f, 1, f]); bn(f)
            conv("conv2d_7", [7, f, 1, f]); bn(f)
            let pooled = 2 * (561 + 3 * f)
            bn(pooled)
            dense("dense", pooled, arch.backendUnits); bn(arch.backendUnits)
            dense("dense_1", arch.backendUnits, arch.tags.count)
        case .vgg:
            for i in 1...5 { conv("\(i)CNN", [3, 3, i == 1 ? 1 : 128, 128]); bn(128) }
            dense("dense", 256, arch.tags.count)
        }
        return w
    }

    func testArchitectures() {
        XCTAssertEqual(ModelArchitecture.all.map(\.name), ModelStore.knownModels)
        XCTAssertEqual(TagVocabulary.mtt.count, 50)
        XCTAssertEqual(TagVocabulary.msd.count, 50)
        XCTAssertEqual(TagVocabulary.mtt.first, "guitar")
        XCTAssertEqual(TagVocabulary.msd.last, "happy")
        XCTAssertEqual(ModelArchitecture.named("MSD_musicnn_big")?.midendFilters, 512)
        XCTAssertEqual(ModelArchitecture.named("MSD_musicnn_big")?.backendUnits, 500)
        XCTAssertNil(ModelArchitecture.named("nope"))
        XCTAssertEqual(ModelArchitecture.mttVGG.featureNames, ["pool1", "pool2", "pool3", "pool4", "pool5"])
    }

    func testMusicnnBigOnSyntheticWeights() throws {
        let arch = ModelArchitecture.msdMusicnnBig
        let weights = DictionaryWeights(Self.syntheticWeights(arch))
        let pruned = try MusicnnModel(architecture: arch, weights: weights)
        let full = try MusicnnModel(architecture: arch, weights: weights, pruneConstantFilters: false)
        XCTAssertEqual(pruned.constantFilterCounts.map(\.constant), [68, 68, 17, 17, 17])
        var state: UInt32 = 3
        let x = (0..<(2 * 187 * 96)).map { _ -> Float in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(state >> 8) * 0x1p-24 * 8.8
        }
        let names = Set(MusicnnModel.featureNames)
        let a = pruned.predict(patches: x, count: 2, features: names)
        let b = full.predict(patches: x, count: 2, features: names)
        XCTAssertEqual(a.taggram.shape, [2, 50])
        XCTAssertEqual(a.features["cnn2"]?.shape, [2, 187, 512])
        XCTAssertEqual(a.features["max_pool"]?.shape, [2, 561 + 3 * 512])
        XCTAssertEqual(a.features["penultimate"]?.shape, [2, 500])
        // Pruning is exact and the fold within its float32 bound, on every BLAS kernel (``PruningChecks``).
        let prunedOnly = try MusicnnModel(architecture: arch, weights: weights, pruneConstantFilters: true, foldConstantChannels: false)
        PruningChecks.assertPruningExact(pruned: prunedOnly, unpruned: full, x: x, count: 2, "MSD_musicnn_big")
        PruningChecks.assertFoldWithinBound(folded: pruned, unfolded: full, x: x, count: 2, "MSD_musicnn_big")
        XCTAssertEqual(b.taggram.shape, a.taggram.shape)
    }

    func testInputIsClampedToTheLogMelRange() throws {
        let arch = ModelArchitecture.mttMusicnn
        let model = try MusicnnModel(architecture: arch, weights: DictionaryWeights(Self.syntheticWeights(arch)))
        var x = [Float](repeating: 0, count: 187 * 96)
        for i in x.indices { x[i] = Float(i % 23) - 5 }         // −5 … 17
        let clamped = x.map { min(max($0, 0), ModelArchitecture.inputMaximum) }
        let a = model.predict(patches: x, count: 1).taggram
        let b = model.predict(patches: clamped, count: 1).taggram
        XCTAssertEqual(a.values, b.values)
    }

    func testVGGOnSyntheticWeights() throws {
        let arch = ModelArchitecture.msdVGG
        let model = try VGGModel(architecture: arch, weights: DictionaryWeights(Self.syntheticWeights(arch)))
        let out = model.predict(patches: [Float](repeating: 1, count: 3 * 187 * 96), count: 3, features: ["pool5", "pool2"])
        XCTAssertEqual(out.taggram.shape, [3, 50])
        XCTAssertEqual(out.features["pool5"]?.shape, [3, 2, 1, 128])
        XCTAssertEqual(out.features["pool2"]?.shape, [3, 46, 24, 128])
        XCTAssertNil(out.features["pool1"])
    }

    func testShapeMismatchIsReported() {
        // MSD_musicnn_big expects 512 mid-end filters; weights made for 64.
        let weights = DictionaryWeights(Self.syntheticWeights(.msdMusicnn))
        XCTAssertThrowsError(try PretrainedModel(architecture: .msdMusicnnBig, weights: weights)) { error in
            XCTAssertEqual(error as? ModelLoadError,
                           .shapeMismatch(model: "MSD_musicnn_big", name: "conv2d_5/kernel", expected: [7, 561, 1, 512], found: [7, 561, 1, 64]))
            XCTAssertTrue("\(error)".contains("conv2d_5/kernel"))
        }
    }

    func testMissingAndUnexpectedVariablesAreReported() {
        var w = Self.syntheticWeights(.mttVGG)
        w["3CNN/bias"] = nil
        XCTAssertThrowsError(try VGGModel(architecture: .mttVGG, weights: DictionaryWeights(w))) { error in
            guard case .missingVariable(_, let name, _) = error as? ModelLoadError else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "3CNN/bias")
        }
        var extra = Self.syntheticWeights(.mttVGG)
        extra["dense_1/kernel"] = Tensor(shape: [1], values: [0])
        extra["dense/kernel/Adam"] = Tensor(shape: [1], values: [0])   // optimizer slots are ignored
        XCTAssertThrowsError(try VGGModel(architecture: .mttVGG, weights: DictionaryWeights(extra))) { error in
            XCTAssertEqual(error as? ModelLoadError, .unexpectedVariables(model: "MTT_vgg", names: ["dense_1/kernel"]))
        }
    }
}
