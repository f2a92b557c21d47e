import XCTest
@testable import GenreKitNN

final class ConvMaxOverWidthTests: XCTestCase {
    /// Reference: materialise bn(relu(conv)) and take the max over axis 2.
    func reference(_ conv: Conv2D, _ bn: BatchNorm?, _ x: Tensor) -> Tensor {
        let y = conv(x)
        return (bn.map { $0(y) } ?? y).max(alongAxis: 2)
    }

    func randomBN(_ rng: inout TestRNG, _ c: Int) -> BatchNorm {
        // γ of both signs, to exercise the min path.
        BatchNorm(gamma: rng.array(c, -1.5, 1.5), beta: rng.array(c), mean: rng.array(c), variance: rng.array(c, 0.1, 2))
    }

    func testSingleConvMatchesUnfused() {
        var rng = TestRNG(seed: 21)
        for (h, w, kh, kw, pad) in [(20, 16, 7, 5, Padding.valid), (9, 12, 3, 3, .same), (15, 10, 4, 10, .valid)] {
            let x = rng.tensor([3, h, w, 1], -1, 2)
            let conv = Conv2D(kernel: rng.tensor([kh, kw, 1, 6]), bias: rng.array(6), padding: pad, activation: .relu)
            let bn = randomBN(&rng, 6)
            let y = ConvMaxOverWidth.forward([conv], bns: [bn], input: x)[0]
            assertClose(y, reference(conv, bn, x), relative: 1e-6)
        }
    }

    func testSharedNestedColumnKernelsMatchUnfused() {
        // musicnn temporal: 'same' column kernels 16, 8, 4 (even) sharing one im2col.
        var rng = TestRNG(seed: 22)
        let x = rng.tensor([2, 23, 7, 1], -1, 2)
        let convs = [16, 8, 4, 5].map { kh in
            Conv2D(kernel: rng.tensor([kh, 1, 1, 3]), bias: rng.array(3), padding: .same, activation: .relu)
        }
        let bns: [BatchNorm?] = [randomBN(&rng, 3), nil, randomBN(&rng, 3), randomBN(&rng, 3)]
        let ys = ConvMaxOverWidth.forward(convs, bns: bns, input: x)
        for i in 0..<convs.count { assertClose(ys[i], reference(convs[i], bns[i], x), relative: 1e-6, "conv \(i)") }
    }

    func testMultiChannelAndBlocking() {
        var rng = TestRNG(seed: 23)
        let x = rng.tensor([4, 40, 9, 3])
        let conv = Conv2D(kernel: rng.tensor([5, 4, 3, 7]), bias: rng.array(7), padding: .valid, activation: .identity)
        let y = ConvMaxOverWidth.forward([conv], bns: [nil], input: x)[0]
        assertClose(y, reference(conv, nil, x), relative: 1e-6)
    }
}
