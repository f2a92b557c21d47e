import Foundation
import XCTest
import GenreKitDSP
import GenreKitNN
@testable import GenreKitModels

/// YAMNet against `tf.lite.Interpreter` with its reference kernels (`reference/make_yamnet_fixtures.py`).
///
/// Tolerance: GenreKit reproduces every operator of the interpreter's reference kernels — the RFFT in float64
/// rounded once, `hypot`, glibc `logf`, TFLite's on-the-fly int8 quantization of each hybrid layer's input, exact
/// integer accumulation, and the same float32 operations in the same order after it — so the embedding is expected
/// bit for bit and the scores within the logistic's last-bit rounding (≤ 6e-8). What can break bit equality: a
/// last-bit difference in a float step (a different libm, the float64 FFT's summation order) that flips one int8
/// rounding of a quantized activation; one flip moves a downstream activation by one quantization step times a
/// weight, which by the time it reaches the embedding is of order 1e-5 (measured by perturbing inputs while
/// developing). The 1e-4 bound on every window therefore holds with margin and still catches any real
/// mistake (a wrong rounding rule or order gives differences ≥ 1e-3; the XNNPACK back end, which quantizes
/// differently, is ~0.1 off).
final class YAMNetParityTests: XCTestCase {
    static let tolerance: Float = 1e-4

    func testEveryWindowMatchesTheInterpreter() throws {
        let model = try LoadedYAMNet.model()
        let meta = try LoadedYAMNet.meta()
        let signals = try XCTUnwrap(meta["signals"] as? [String: [String: Any]])
        var report: [String] = []
        for name in YAMNetSignals.names {
            let y = try YAMNetSignals.make(name)
            let info = try XCTUnwrap(signals[name])
            if YAMNetSignals.digest(y) != info["sha256_float32"] as? String {
                // Tonal signals use the C library's sin; another libm may move a last bit (then compare anyway).
                XCTAssertTrue(["chord", "chirp"].contains(name), "\(name): regenerated signal differs from the fixture's")
                report.append("\(name): signal differs from the fixture's in the last bits (libm)")
            }
            let out = model.predict(waveform: y)
            let scores = try Fixtures.npy("yamnet/\(name).scores.npy")
            let embedding = try Fixtures.npy("yamnet/\(name).embedding.npy")
            XCTAssertEqual(out.scores.shape, scores.shape, name)
            XCTAssertEqual(out.embeddings.shape, embedding.shape, name)
            guard out.scores.shape == scores.shape, out.embeddings.shape == embedding.shape else { continue }
            var worstS: Float = 0, worstE: Float = 0
            for w in 0..<scores.shape[0] {
                let ds = Diff(Array(out.scores.values[(w * 521)..<((w + 1) * 521)]), Array(scores.values[(w * 521)..<((w + 1) * 521)])).maxAbs
                let de = Diff(Array(out.embeddings.values[(w * 1024)..<((w + 1) * 1024)]),
                              Array(embedding.values[(w * 1024)..<((w + 1) * 1024)])).maxAbs
                XCTAssertLessThanOrEqual(ds, Self.tolerance, "\(name) window \(w): scores")
                XCTAssertLessThanOrEqual(de, Self.tolerance, "\(name) window \(w): embedding")
                worstS = max(worstS, ds)
                worstE = max(worstE, de)
            }
            report.append("\(name): \(scores.shape[0]) windows, scores max |Δ| \(worstS), embedding max |Δ| \(worstE)")
        }
        print("YAMNet parity vs tf.lite.Interpreter (builtin kernels):\n  " + report.joined(separator: "\n  "))
    }

    /// The last layers one by one on the interpreter's own inputs: hybrid depthwise, hybrid 1×1 convolution, mean,
    /// hybrid fully connected — each bit for bit (integer accumulation, same float32 steps).
    func testLastOperatorsBitForBit() throws {
        let model = try LoadedYAMNet.model()
        let plan = model.plan
        func tensor(_ prefix: String) throws -> Int {
            try XCTUnwrap(plan.tensorNames.indices.first { i in
                plan.tensorNames[i].split(separator: ";").first.map(String.init) == prefix && plan.shapes[i].first == 1
                    && plan.operatorIndex(writing: i) != nil
            }, prefix)
        }
        let cases: [(String, String, String, String)] = [
            ("dw14_in", "yamnet_frames/layer13/pointwise_conv/relu/Relu", "dw14_out", "yamnet_frames/layer14/depthwise_conv/relu/Relu"),
            ("dw14_out", "yamnet_frames/layer14/depthwise_conv/relu/Relu", "pw14_out", "yamnet_frames/layer14/pointwise_conv/relu/Relu"),
            ("pw14_out", "yamnet_frames/layer14/pointwise_conv/relu/Relu", "mean_out", "yamnet_frames/global_average_pooling2d/Mean"),
            ("mean_out", "yamnet_frames/global_average_pooling2d/Mean", "logits", "yamnet_frames/dense/MatMul"),
        ]
        for (inKey, inName, outKey, outName) in cases {
            let x = try Fixtures.npy("yamnet/ops.noise.\(inKey).npy")
            let y = try Fixtures.npy("yamnet/ops.noise.\(outKey).npy")
            let i = try tensor(inName), o = try tensor(outName)
            let op = try XCTUnwrap(plan.operatorIndex(writing: o))
            let got = plan.evaluate(operator: op, inputs: [i: Tensor(shape: plan.shapes[i], values: x.values)])
            XCTAssertEqual(got.values.count, y.values.count, outKey)
            let mismatches = zip(got.values, y.values).filter { $0.0.bitPattern != $0.1.bitPattern }.count
            XCTAssertEqual(mismatches, 0, "\(outKey): \(mismatches) of \(y.values.count) values differ (max |Δ| \(Diff(got.values, y.values).maxAbs))")
        }
    }

    func testWindowsAndClassMap() throws {
        XCTAssertEqual(YAMNetModel.windowStarts(sampleCount: 0), [0])
        XCTAssertEqual(YAMNetModel.windowStarts(sampleCount: 15600), [0])
        XCTAssertEqual(YAMNetModel.windowStarts(sampleCount: 15601), [0, 7680])
        XCTAssertEqual(YAMNetModel.windowStarts(sampleCount: 30960), [0, 7680, 15360])
        XCTAssertEqual(YAMNetModel.windowStarts(sampleCount: 16000 * 300).count, 1 + (16000 * 300 - 15600 + 7679) / 7680)
        let model = try LoadedYAMNet.model()
        let map = try XCTUnwrap(model.classMap, "class map next to the model")
        XCTAssertEqual(map.names.count, 521)
        XCTAssertEqual(map.names[0], "Speech")
        XCTAssertEqual(map.names[211], "Pop music")
        XCTAssertEqual(map.names[260], "Independent music")
        XCTAssertEqual(map.musicGenreIndices.count, 50)
        for g in ["Rock music", "Jazz", "Reggae", "Hip hop music", "Classical music", "Blues", "Country", "Heavy metal"] {
            XCTAssertTrue(map.musicGenreIndices.contains { map.names[$0] == g }, g)
        }
        // A short clip is one zero-padded window.
        let short = model.predict(waveform: [Float](repeating: 0.1, count: 1000))
        XCTAssertEqual(short.scores.shape, [1, 521])
        XCTAssertEqual(short.embeddings.shape, [1, 1024])
        let ranked = YAMNetModel.ranking(short.scores, among: map.musicGenreIndices)
        XCTAssertEqual(ranked.count, 50)
        XCTAssertTrue(zip(ranked, ranked.dropFirst()).allSatisfy { $0.score >= $1.score })
    }
}
