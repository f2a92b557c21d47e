@testable import GenreKitModels
import GenreKitNN
import XCTest

/// The untrained musicnn baseline: TensorFlow's default initialisers, seeded.
final class RandomMusicnnTests: XCTestCase {
    func testInitialisersFollowTensorFlowDefaults() throws {
        let w = RandomMusicnnWeights.make(seed: 7)
        let k = try w.weight(named: "conv2d/kernel")                  // [7, 38, 1, 204]
        XCTAssertEqual(k.shape, [7, 38, 1, 204])
        let limit = Float((6.0 / Double(7 * 38 * 1 + 7 * 38 * 204)).squareRoot())
        XCTAssertLessThanOrEqual(k.values.map { abs($0) }.max()!, limit)
        XCTAssertGreaterThan(k.values.map { abs($0) }.max()!, 0.95 * limit, "uniform draws reach close to the bound")
        let mean = k.values.reduce(0, +) / Float(k.values.count)
        XCTAssertEqual(mean, 0, accuracy: limit / 50)
        XCTAssertEqual(try w.weight(named: "dense/kernel").shape, [1506, 200])
        XCTAssertTrue(try w.weight(named: "conv2d_5/bias").values.allSatisfy { $0 == 0 })
        XCTAssertTrue(try w.weight(named: "batch_normalization_9/gamma").values.allSatisfy { $0 == 1 })
        XCTAssertTrue(try w.weight(named: "batch_normalization_9/moving_variance").values.allSatisfy { $0 == 1 })
        XCTAssertTrue(try w.weight(named: "batch_normalization_9/moving_mean").values.allSatisfy { $0 == 0 })
        XCTAssertEqual(try RandomMusicnnWeights.make(seed: 7).weight(named: "dense_1/kernel").values,
                       try w.weight(named: "dense_1/kernel").values, "seeded")
        XCTAssertNotEqual(try RandomMusicnnWeights.make(seed: 8).weight(named: "dense_1/kernel").values,
                          try w.weight(named: "dense_1/kernel").values)
    }

    func testLoadsAsAModelWithoutCheckpoint() throws {
        let model = try PretrainedModel.load("random_musicnn", store: ModelStore(root: "/nonexistent"))
        XCTAssertEqual(model.architecture.name, "random_musicnn")
        XCTAssertEqual(ModelArchitecture.named("random_musicnn")?.featureNames, ModelArchitecture.msdMusicnn.featureNames)
        var state: UInt32 = 3
        let x = (0..<(2 * 187 * 96)).map { _ -> Float in state = 1664525 &* state &+ 1013904223; return Float(state >> 8) * 0x1p-24 * 8.8 }
        let out = model.predict(patches: x, count: 2, features: ["max_pool", "penultimate"])
        XCTAssertEqual(out.taggram.shape, [2, 50])
        XCTAssertEqual(out.features["max_pool"]?.shape, [2, 753])
        XCTAssertTrue(out.taggram.values.allSatisfy { $0.isFinite && $0 > 0 && $0 < 1 })
        // Pruning is exact for random weights too, and the fold within its float32 bound (``PruningChecks``).
        guard case .musicnn(let folded) = model,
              case .musicnn(let unpruned) = try PretrainedModel.load("random_musicnn", pruneConstantFilters: false)
        else { return XCTFail("random_musicnn is a musicnn model") }
        let prunedOnly = try MusicnnModel(architecture: folded.architecture, weights: RandomMusicnnWeights.make(seed: 0),
                                          pruneConstantFilters: true, foldConstantChannels: false)
        PruningChecks.assertPruningExact(pruned: prunedOnly, unpruned: unpruned, x: x, count: 2, "random_musicnn")
        PruningChecks.assertFoldWithinBound(folded: folded, unfolded: unpruned, x: x, count: 2, "random_musicnn")
    }
}
