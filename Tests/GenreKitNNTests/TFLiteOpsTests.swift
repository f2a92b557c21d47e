import Foundation
import XCTest
@testable import GenreKitNN

/// The TensorFlow Lite operators on small hand-checked cases (the full-size ones are checked against the interpreter
/// in GenreKitModelsTests/YAMNetParityTests).
final class TFLiteOpsTests: XCTestCase {
    func quantize(_ x: [Float]) -> (q: [Float], scale: Float, zero: Int32) {
        var q = [Float](repeating: 9, count: x.count)
        let r = x.withUnsafeBufferPointer { DynamicQuantization.asymmetric($0, into: &q) }
        return (q, r.scale, r.zeroPoint)
    }

    func testAsymmetricQuantizationByHand() {
        // Non-negative input (after a ReLU): z = −128, s = max/255.
        let a = quantize([0, 0.5, 1.0, 2.55])
        XCTAssertEqual(a.zero, -128)
        XCTAssertEqual(a.scale, Float(2.55 / 255.0))
        XCTAssertEqual(a.q, [-128, -78, -28, 127])
        // Symmetric range: z = round(−0.5) = −1 (half away from zero); float32(1/s) = 127.49999…, so ±1 → ±127
        // → −128 and 126 (the zero point is added after rounding).
        let b = quantize([-1, 1, 0])
        XCTAssertEqual(b.zero, -1)
        XCTAssertEqual(b.q, [-128, 126, -1])
        // All zeros: q = 0, s = 1, z = 0.
        let c = quantize([0, 0, 0])
        XCTAssertEqual(c.q, [0, 0, 0])
        XCTAssertEqual(c.scale, 1)
        XCTAssertEqual(c.zero, 0)
        // Negative-only input: r_max = 0, z = 127.
        let d = quantize([-2.55, -1])
        XCTAssertEqual(d.zero, 127)
        XCTAssertEqual(d.q, [-128, 27])
    }

    /// Exact half-way products, more than eight of them (the eight-lane path) and a scalar tail: rounded away from zero.
    func testQuantizationTiesRoundAwayFromZeroInEveryLane() {
        // max = 255/16 → s = 1/16 exactly, 1/s = 16: x = k/16 + 1/32 gives the product k + ½; z = −128.
        var x: [Float] = (0..<19).map { Float($0) / 16 + 1.0 / 32 }
        x.append(255.0 / 16)
        let a = quantize(x)
        XCTAssertEqual(a.scale, 1.0 / 16)
        XCTAssertEqual(a.zero, -128)
        XCTAssertEqual(a.q, (0..<19).map { Float(-128 + $0 + 1) } + [127])
        // Negative ties: r_min = −8, r_max = 255/16 − 8 → s = 1/16, z = 0; −(k + ½) → −(k + 1).
        var y: [Float] = (0..<19).map { -(Float($0) / 16 + 1.0 / 32) }
        y += [-8, 255.0 / 16 - 8]
        let b = quantize(y)
        XCTAssertEqual(b.scale, 1.0 / 16)
        XCTAssertEqual(b.zero, 0)
        XCTAssertEqual(b.q, (0..<19).map { Float(-($0 + 1)) } + [-128, 127])
    }

    /// `HybridDense` against the formula evaluated with integers in the test, per row and per group, bit for bit.
    func testHybridDenseMatchesTheIntegerFormula() {
        let o = 3, k = 5
        let w: [Int8] = [-127, 3, 50, 0, 127, 9, -9, 100, -100, 1, 0, 0, 0, 0, 0]
        let x: [Float] = [0.3, -0.2, 1.5, 0.0, 0.7, 0.25, 0.5, 0.75, 1.0, 0.0]
        let bias: [Float] = [0.1, -0.2, 0.3]
        for (grouping, groups) in [(HybridDense.Grouping.perRow, [[0], [1]]), (.perGroup(rows: 2), [[0, 1]])] {
            for scales in [[Float(0.01)], [0.01, 0.02, 0.005]] {
                let layer = HybridDense(weights: w, outputUnits: o, inputUnits: k, scales: scales, bias: bias,
                                        activation: .identity, grouping: grouping)
                let got = layer(Tensor(shape: [2, k], values: x))
                var expected = [Float](repeating: 0, count: 2 * o)
                for g in groups {
                    let flat = g.flatMap { Array(x[($0 * k)..<($0 * k + k)]) }
                    let (q, s, z) = quantize(flat)
                    for (gi, r) in g.enumerated() {
                        for c in 0..<o {
                            var acc: Int32 = 0
                            for j in 0..<k { acc += Int32(w[c * k + j]) * (Int32(q[gi * k + j]) - z) }
                            expected[r * o + c] = Float(acc) * (s * scales[scales.count == 1 ? 0 : c]) + bias[c]
                        }
                    }
                }
                XCTAssertEqual(got.values, expected, "\(grouping) \(scales)")
                // And it approximates the float product to within the quantization steps.
                for r in 0..<2 {
                    for c in 0..<o {
                        var f: Float = bias[c]
                        for j in 0..<k { f += x[r * k + j] * Float(w[c * k + j]) * scales[scales.count == 1 ? 0 : c] }
                        XCTAssertEqual(got.values[r * o + c], f, accuracy: 0.02)
                    }
                }
            }
        }
    }

    func testHybridDenseAccumulationIsExactAtTheLargestK() {
        // Worst case for float32 accumulation: every product −128·127 (= q·w) over K = maximumExactInputUnits.
        let k = HybridDense.maximumExactInputUnits
        let layer = HybridDense(weights: [Int8](repeating: 127, count: k), outputUnits: 1, inputUnits: k, scales: [1],
                                bias: nil, activation: .identity, grouping: .perRow)
        var x = [Float](repeating: -1, count: k)
        x[0] = 0   // r_max = 0: z = 127, every −1 quantizes to −128 → q − z = −255
        let got = layer(Tensor(shape: [1, k], values: x))
        let s = Float(1.0 / 255.0)
        XCTAssertEqual(got.values[0], Float(Int32(-255) * 127 * Int32(k - 1)) * (s * 1))
    }

    func testDepthwiseConvByHand() {
        // 3×3 input, one channel, 3×3 filter of ones, SAME, stride 1: each output is the sum of its neighbourhood.
        let x = Tensor(shape: [1, 3, 3, 1], values: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let dw = DepthwiseConv2D(filter: [Float](repeating: 1, count: 9), kernelHeight: 3, kernelWidth: 3, inputChannels: 1,
                                 bias: [0.5], strides: (1, 1), padding: .same, activation: .identity)
        XCTAssertEqual(dw(x).values, [12, 21, 16, 27, 45, 33, 24, 39, 28].map { $0 + 0.5 })
        // Stride 2, ReLU, depth multiplier 2 (second copy negated).
        var f = [Float]()
        for _ in 0..<9 { f += [1, -1] }
        let dw2 = DepthwiseConv2D(filter: f, kernelHeight: 3, kernelWidth: 3, inputChannels: 1, depthMultiplier: 2,
                                  bias: [0, 0], strides: (2, 2), padding: .same, activation: .relu)
        let y = dw2(x)
        XCTAssertEqual(y.shape, [1, 2, 2, 2])
        XCTAssertEqual(y.values, [12, 0, 16, 0, 24, 0, 28, 0])
    }

    func testHybridDepthwiseMatchesTheIntegerFormula() {
        let x = Tensor(shape: [1, 3, 4, 2], values: (0..<24).map { Float(($0 * 37) % 11) * 0.1 })
        let w: [Int8] = (0..<18).map { Int8(($0 * 53) % 255 - 127) }
        let scales: [Float] = [0.01, 0.03]
        let layer = HybridDepthwiseConv2D(filter: w, scales: scales, kernelHeight: 3, kernelWidth: 3, inputChannels: 2,
                                          bias: [0.1, -0.1], strides: (1, 2), padding: .same, activation: .identity)
        let got = layer(x)
        XCTAssertEqual(got.shape, [1, 3, 2, 2])
        let (q, s, z) = quantize(x.values)
        let (oh, pt) = Padding.same.output(inputSize: 3, kernel: 3, stride: 1)
        let (ow, pl) = Padding.same.output(inputSize: 4, kernel: 3, stride: 2)
        var expected: [Float] = []
        for yy in 0..<oh {
            for xx in 0..<ow {
                for c in 0..<2 {
                    var acc: Int32 = 0
                    for i in 0..<3 {
                        for j in 0..<3 {
                            let iy = yy - pt + i, ix = xx * 2 - pl + j
                            if iy < 0 || iy >= 3 || ix < 0 || ix >= 4 { continue }
                            acc += Int32(w[(i * 3 + j) * 2 + c]) * (Int32(q[(iy * 4 + ix) * 2 + c]) - z)
                        }
                    }
                    expected.append((Float(acc) * scales[c]) * s + [0.1, -0.1][c])
                }
            }
        }
        XCTAssertEqual(got.values, expected)
    }

    func testDirectConvAgreesWithBLASConv() {
        var state: UInt32 = 7
        func r() -> Float { state = state &* 1_664_525 &+ 1_013_904_223; return Float(state >> 8) * 0x1p-24 - 0.5 }
        let x = Tensor(shape: [2, 7, 6, 3], values: (0..<252).map { _ in r() })
        let ohwi = (0..<(4 * 3 * 3 * 3)).map { _ in r() }
        var hwio = [Float](repeating: 0, count: ohwi.count)
        for o in 0..<4 { for k in 0..<27 { hwio[k * 4 + o] = ohwi[o * 27 + k] } }
        let bias: [Float] = [0.1, 0.2, -0.3, 0]
        for (stride, pad) in [((1, 1), Padding.same), ((2, 2), .same), ((2, 1), .valid)] {
            let direct = DirectConv2D(filterOHWI: ohwi, outputChannels: 4, kernelHeight: 3, kernelWidth: 3, inputChannels: 3,
                                      bias: bias, strides: stride, padding: pad, activation: .relu)
            let blas = Conv2D(kernel: Tensor(shape: [3, 3, 3, 4], values: hwio), bias: bias, strides: stride, padding: pad, activation: .relu)
            let a = direct(x), b = blas(x)
            XCTAssertEqual(a.shape, b.shape)
            // Two orders of the same 28-term sum (27 products |x·w| ≤ 0.25, the bias ≤ 0.3) differ by at most
            // 2·γ₂₈·Σ|terms|, γ_n = n·u/(1 − n·u), u = 2⁻²⁴.
            let u = 0x1p-24, g = 28 * u / (1 - 28 * u)
            XCTAssertLessThanOrEqual(Double(a.maxAbsDifference(b)), 2 * g * (27 * 0.25 + 0.3))
        }
    }

    func testGatherMeanMultiplyLog() {
        let x = Tensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(x.gathering([2, 0, 2, 1], indexShape: [2, 2], axis: 0).values, [5, 6, 1, 2, 5, 6, 3, 4])
        XCTAssertEqual(x.gathering([2, 0, 2, 1], indexShape: [2, 2], axis: 0).shape, [2, 2, 2])
        XCTAssertEqual(x.gathering([1], indexShape: [1], axis: 1).values, [2, 4, 6])
        let t = Tensor(shape: [1, 2, 3, 2], values: (0..<12).map(Float.init))
        XCTAssertEqual(t.mean(axes: [1, 2]).values, [5, 6])
        XCTAssertEqual(t.mean(axes: [1, 2]).shape, [1, 2])
        XCTAssertEqual(t.mean(axes: [3], keepDimensions: true).shape, [1, 2, 3, 1])
        XCTAssertEqual(t.mean(axes: [3], keepDimensions: true).values, [0.5, 2.5, 4.5, 6.5, 8.5, 10.5])
        XCTAssertEqual(x.multiplied(by: Tensor(shape: [2], values: [10, -1])).values, [10, -2, 30, -4, 50, -6])
        XCTAssertEqual(Tensor(shape: [2, 1], values: [2, 3]).multiplied(by: Tensor(shape: [1, 3], values: [1, 2, 3])).values,
                       [2, 4, 6, 3, 6, 9])
        XCTAssertNil(Tensor.broadcastShape([2, 3], [2]))
        XCTAssertEqual(Tensor(shape: [3], values: [1, 4, 0]).logarithm().values, [0, Float(log(4.0)), -.infinity])
    }
}
