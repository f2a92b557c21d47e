import Foundation
import XCTest
import GenreKitNN
@testable import GenreKitModels

/// ``TFLitePlan/run(batch:keeping:)``: YAMNet's convolutional tail runs on a whole batch at once, and every window's
/// scores and embedding are bit for bit those of running it alone. Exact equality is the right assertion on any BLAS
/// kernel: each batched operator computes an image from that image alone in the same order (direct convolution loops,
/// per-image quantization), and the hybrid GEMMs sum int8 products exactly (every partial sum is an integer < 2²⁴).
final class TFLitePlanBatchTests: XCTestCase {
    func testYAMNetTailStartsAtThePatchAndBatchesEqualSingleRuns() throws {
        let model = try LoadedYAMNet.model()
        let plan = model.plan
        // The tail starts at the RESHAPE of the 96×64 log-mel patch to [1, 96, 64, 1] (the GATHER before it works on
        // axis 0, so it stays per window).
        let k = plan.batchStart
        XCTAssertLessThan(k, plan.steps.count)
        guard case .reshape(_, let o, let target) = plan.steps[k] else { return XCTFail("tail starts with \(plan.steps[k])") }
        XCTAssertEqual(target, [1, 96, 64, 1])
        XCTAssertEqual(plan.shapes[o], [1, 96, 64, 1])

        let windows = (0..<5).map { w in YAMNetSignals.lcgNoise(seed: 7 + UInt32(w), count: YAMNetModel.windowLength).map { $0 * Float(0.1 * Double(w + 1)) } }
        let keep = [model.scoresIndex, model.embeddingIndex]
        let batched = plan.run(batch: windows.map { Tensor(shape: [YAMNetModel.windowLength], values: $0) }, keeping: keep)
        XCTAssertEqual(batched[0].shape, [5, YAMNetModel.classCount])
        XCTAssertEqual(batched[1].shape, [5, YAMNetModel.embeddingSize])
        for (w, x) in windows.enumerated() {
            let single = plan.run(Tensor(shape: [YAMNetModel.windowLength], values: x), keeping: keep)
            XCTAssertEqual(Array(batched[0].values[(w * 521)..<((w + 1) * 521)]), single[0].values, "window \(w): scores")
            XCTAssertEqual(Array(batched[1].values[(w * 1024)..<((w + 1) * 1024)]), single[1].values, "window \(w): embedding")
        }
        // A kept tensor of the per-window head: the batch falls back to per-window runs, stacked.
        let head = plan.steps[k - 1].output
        let stacked = plan.run(batch: windows.prefix(2).map { Tensor(shape: [YAMNetModel.windowLength], values: $0) }, keeping: [head])
        let first = plan.run(Tensor(shape: [YAMNetModel.windowLength], values: windows[0]), keeping: [head])[0]
        XCTAssertEqual(stacked[0].shape, [2 * first.shape[0]] + first.shape.dropFirst())
        XCTAssertEqual(Array(stacked[0].values[..<first.count]), first.values)
    }

    /// predict(windows:) gives the same numbers whatever the batch split (batches of up to 32, their size set by the
    /// core count): 40 windows against the windows one by one, batch edges included.
    func testPredictMatchesSingleWindowRuns() throws {
        let model = try LoadedYAMNet.model()
        let y = YAMNetSignals.lcgNoise(seed: 11, count: 15600 + 39 * 7680).enumerated().map { i, v in v * Float(0.05 + 0.3 * Double(i % 16000) / 16000) }
        let out = model.predict(waveform: y)
        XCTAssertEqual(out.scores.shape, [40, 521])
        for w in [0, 1, 19, 20, 21, 31, 32, 39] {
            let x = Array(y[(w * 7680)..<min(y.count, w * 7680 + 15600)]) + [Float](repeating: 0, count: max(0, w * 7680 + 15600 - y.count))
            let single = model.plan.run(Tensor(shape: [15600], values: x), keeping: [model.scoresIndex, model.embeddingIndex])
            XCTAssertEqual(Array(out.scores.values[(w * 521)..<((w + 1) * 521)]), single[0].values, "window \(w)")
            XCTAssertEqual(Array(out.embeddings.values[(w * 1024)..<((w + 1) * 1024)]), single[1].values, "window \(w)")
        }
    }
}
