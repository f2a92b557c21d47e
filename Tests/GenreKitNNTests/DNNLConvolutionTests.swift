import XCTest
@testable import GenreKitNN
import GenreKitCore

final class DNNLConvolutionTests: XCTestCase, ConvolutionReference {
    /// Output phases (``DNNLConvolution/Shape/phases``): `p` neighbouring outputs along the longer kernel axis as
    /// channels of one strided primitive output, channels rounded up to 16 or 64, for `p` = 1…5 with two outputs per phase (outputs not a multiple of `p`, the last column or
    /// rows partly past the end), along the width ('valid' timbral-like kernels) and the height ('same' column
    /// kernels): fp32 within the float32 bound of the definition (the extra taps are exact zeros), bf16 (folded
    /// taps of the phased kernel) within that bound of the definition on the bf16-rounded operands.
    func testOneDNNOutputPhasesMatchTheDefinition() throws {
        try XCTSkipIf(DNNLEngine.shared == nil, DNNLEngine.unavailableReason ?? "")
        var rng = TestRNG(seed: 31)
        let bf = { (v: Float) in LowPrecision.float(bfloat16: LowPrecision.bfloat16(v)) }
        let bf16 = InferencePrecision.bf16.effectiveHere.precision == .bf16
        var axes = Set<Bool>()
        for (conv, bn, x) in oneDNNShapes(&rng) {
            for precision in bf16 ? [InferencePrecision.fp32, .bf16] : [.fp32] {
                let key = try XCTUnwrap(ConvMaxOverWidth.planKey([conv], input: x, precision: precision))
                let (xr, cr) = precision == .fp32 ? (x, conv)
                    : (Tensor(shape: x.shape, values: x.values.map(bf)),
                       Conv2D(kernel: Tensor(shape: conv.kernel.shape, values: conv.kernel.values.map(bf)), bias: conv.bias,
                              padding: conv.padding, activation: conv.activation))
                let e = exact(cr, bn, xr)
                let tol = bound(cr, bn, xr, e.values)
                let r = key.convs[0]
                let shape = DNNLConvolution.Shape(n: 1, h: key.h, w: key.w, kh: r[0], kw: r[1], co: r[2], padTop: r[3],
                                                  padBottom: r[4], padLeft: r[5], padRight: r[6], precision: precision)
                let o = shape.alongWidth ? shape.ow : shape.oh
                // As ``DNNLConvolution/phaseCandidates(_:)``: at least two outputs per phase.
                for p in 1...5 where p == 1 || o >= 2 * p {
                    for m in [16, 64] {
                        let layout = DNNLConvolution.Layout(phases: p, channelMultiple: m)
                        let got = try ConvMaxOverWidth.onednn([conv], bns: [bn], input: x, key: key, layouts: [layout])[0]
                        XCTAssertEqual(got.shape, e.shape)
                        let diff = zip(got.values, e.values).map { abs(Double($0) - $1) }.max()!
                        XCTAssertLessThanOrEqual(diff, tol, "\(precision) \(conv.kernel.shape) on \(x.shape), \(layout): |Δ| \(diff) > \(tol)")
                    }
                }
                axes.insert(conv.kernelWidth >= conv.kernelHeight)
            }
        }
        XCTAssertEqual(axes, [true, false])
    }

    /// Phase candidates: 1 always; more phases only where they cut the lanes a 16-channel block wastes (21 filters
    /// over 67 taps: 2…6; 16 filters: none) and leave two outputs per phase; the measured choice is one of them.
    func testPhaseCandidatesCutPaddedWork() throws {
        let f77 = DNNLConvolution.Shape(n: 1, h: 193, w: 96, kh: 7, kw: 67, co: 21, padTop: 0, padBottom: 0, precision: .fp32)
        XCTAssertEqual(DNNLConvolution.phaseCandidates(f77), [1, 2, 3, 4, 5, 6])
        var full = f77
        full.co = 16
        XCTAssertEqual(DNNLConvolution.phaseCandidates(full), [1])
        let s3 = DNNLConvolution.Shape(n: 1, h: 187, w: 96, kh: 32, kw: 1, co: 41, padTop: 15, padBottom: 16, precision: .fp32)
        XCTAssertFalse(s3.alongWidth)
        XCTAssertEqual(DNNLConvolution.phaseCandidates(s3).first, 1)
        var bf16 = f77
        bf16.precision = .bf16
        XCTAssertEqual(DNNLConvolution.layoutCandidates(bf16).map(\.stored), ["1", "1x64", "2", "2x64", "3", "4", "4x64", "5", "5x64", "6"])
        XCTAssertEqual(DNNLConvolution.Layout(stored: "4x64"), DNNLConvolution.Layout(phases: 4, channelMultiple: 64))
        XCTAssertEqual(DNNLConvolution.Layout(stored: "3"), DNNLConvolution.Layout(phases: 3, channelMultiple: 16))
        try XCTSkipIf(DNNLEngine.shared == nil, DNNLEngine.unavailableReason ?? "")
        XCTAssertTrue(DNNLConvolution.phaseCandidates(f77).contains(DNNLConvolution.bestLayout(for: f77).phases))
        XCTAssertTrue(DNNLConvolution.layoutCandidates(bf16).contains(DNNLConvolution.bestLayout(for: bf16)))
    }
}
