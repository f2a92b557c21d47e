import Foundation
import GenreKitDSP
import GenreKitNN

/// One front-end branch: `max_f bn(relu(conv(x)))`, with provably constant filters removed.
///
/// Unpruned (`computeDead`), the branch still computes every filter, but the proved-dead ones in a GEMM of
/// their own: the live filters then go through exactly the GEMM the pruned network runs, so pruned and unpruned
/// outputs are the same numbers on every BLAS kernel, and the dead filters' computed outputs can be checked
/// against the constants pruning substitutes for them.
@_spi(Benchmarks) public struct FrontendBranch: Sendable {
    public let name: String
    /// Filters of the original layer.
    public let filters: Int
    /// Zero frames added before and after in time ('valid' timbral convolutions), 0 for 'same'.
    public let timePad: Int
    /// The convolution over the live (not proved dead) filters only (ReLU fused).
    public let conv: Conv2D
    /// Batch norm of the live filters.
    public let bn: BatchNorm
    /// Original indices of the computed filters, ascending: the live ones, plus the dead ones when unpruned.
    public let active: [Int]
    let activeSet: Set<Int>
    /// `bn(0)` for every original filter: the output of a constant (dead) filter.
    let constant: [Float]
    /// Unpruned only: the dead filters' original indices, convolution and batch norm, computed separately.
    let dead: (indices: [Int], conv: Conv2D, bn: BatchNorm)?
    /// Original indices of the live filters, ascending.
    let live: [Int]

    init(name: String, conv full: Conv2D, bn fullBN: BatchNorm, timePad: Int, dead deadSet: Set<Int>, computeDead: Bool = false) {
        self.name = name
        filters = full.outputChannels
        self.timePad = timePad
        live = (0..<filters).filter { !deadSet.contains($0) }
        conv = full.selectingOutputChannels(live)
        bn = fullBN.selecting(live)
        constant = fullBN.shift
        let deadIndices = (0..<filters).filter { deadSet.contains($0) }
        if computeDead, !deadIndices.isEmpty {
            dead = (deadIndices, full.selectingOutputChannels(deadIndices), fullBN.selecting(deadIndices))
            active = Array(0..<filters)
        } else {
            dead = nil
            active = live
        }
        activeSet = Set(active)
    }

    /// `[n, T, 96, 1]` normalised input → `[n, T, active]`.
    /// int8 quantises the input by `activationScale` and `activationZeroPoint` (``ConvMaxOverWidth/forward(_:bns:input:blockBudget:precision:activationScale:activationZeroPoint:method:)``).
    public func forward(_ xn: Tensor, precision: InferencePrecision = .fp32, activationScale: Float? = nil,
                        activationZeroPoint: Int8 = 0) -> Tensor {
        let n = xn.shape[0], frames = xn.shape[1]
        if active.isEmpty { return Tensor(shape: [n, frames, 0]) }
        let x = timePad > 0 ? xn.padded([(0, 0), (timePad, timePad), (0, 0), (0, 0)]) : xn
        let liveOut = live.isEmpty
            ? Tensor(shape: [n, frames, 0])
            : ConvMaxOverWidth.forward([conv], bns: [bn], input: x, precision: precision, activationScale: activationScale,
                                       activationZeroPoint: activationZeroPoint)[0]
        return completing(liveOut, paddedInput: x)
    }

    /// The live filters' outputs `[n, T, live]` → `[n, T, active]`: unpruned, the dead filters' outputs are
    /// computed from `x` (already padded for this branch) and interleaved in original filter order.
    func completing(_ liveOut: Tensor, paddedInput x: Tensor) -> Tensor {
        guard let dead else { return liveOut }
        let deadOut = ConvMaxOverWidth.forward([dead.conv], bns: [dead.bn], input: x)[0]
        let nl = live.count, nd = dead.indices.count, rows = deadOut.count / nd
        return Tensor(shape: Array(deadOut.shape.dropLast()) + [filters]) { out in
            liveOut.values.withUnsafeBufferPointer { l in
                deadOut.values.withUnsafeBufferPointer { d in
                    for r in 0..<rows {
                        for (j, c) in live.enumerated() { out[r * filters + c] = l[r * nl + j] }
                        for (j, c) in dead.indices.enumerated() { out[r * filters + c] = d[r * nd + j] }
                    }
                }
            }
        }
    }
}
