import Foundation
import GenreKitDSP
import GenreKitNN

/// The musicnn network (Pons & Serra 2019, musicnn 0.1.0 `build_musicnn`), inference only.
///
/// Input: log-mel patches `x[n, t, f]` (`T` frames × 96 mel bands), clamped to
/// `[0, ModelArchitecture.inputMaximum]`.
///
/// * front end: scalar batch norm of the input, then five branches, each `conv → ReLU → BN →
///   max over frequency`: timbral `f74` (204 filters, 7×38) and `f77` (204, 7×67), both 'valid' on
///   the input zero-padded by 3 frames in time, and temporal `s1`, `s2`, `s3` (51 filters each,
///   128×1, 64×1, 32×1, 'same'); concatenated to 561 channels per frame;
/// * mid end: three 7-frame convolutions over all channels (`F` filters, input zero-padded by 3
///   frames) with ReLU and BN, the 2nd and 3rd with residual adds: `cnn1`, `cnn2 = cnn1 + …`,
///   `cnn3 = cnn2 + …`;
/// * back end: over the `561 + 3F` channels, max and mean over time, interleaved per channel
///   (`[max_0, mean_0, max_1, …]`), BN, dense (ReLU) + BN (`penultimate`), dense → logits → sigmoid (softmax for fine-tuned single-label networks).
///
/// Front-end filters proved dead by `ConstantFilterAnalysis` (for the clamped input range) are
/// removed from the convolutions and their constant outputs filled in; the first mid-end
/// convolution folds those constant channels into a per-frame bias. The model is immutable
/// after loading and safe to use from several threads.
public struct MusicnnModel: Sendable {
    /// musicnn's feature names.
    public static let featureNames = ["timbral", "temporal", "cnn1", "cnn2", "cnn3", "mean_pool", "max_pool", "penultimate"]

    public let architecture: ModelArchitecture
    /// Patches run through the network together (bounds memory: ~25 MB per patch in the front end).
    public var chunkSize: Int = 8
    /// The number format of every convolution and dense GEMM (``InferencePrecision``); fp32 is the parity path.
    /// Set it through ``withPrecision(_:)``, which applies the CPU fallback.
    public internal(set) var precision: InferencePrecision = .fp32
    /// int8 activation scales (used when `precision == .int8` with ``Int8Scope/allLayers``).
    public var int8Calibration: Int8Calibration
    /// Which layers run in int8 when `precision == .int8` (``Int8Scope``): ``Int8Scope/timbral`` unless calibrated
    /// (``calibrated(patches:count:)``, ``PretrainedModel/withInt8Calibration(_:)``) or asked.
    public var int8Scope: Int8Scope = .timbral

    /// The layers an int8 musicnn network runs in int8; the others run in bf16 (fp32 on a CPU without bf16).
    ///
    /// Measured on musicnn's two example MP3s and a 5-min synthetic song (max |Δ taggram| against fp32; issue 14's
    /// goal is 0.02): every layer in int8 drifts 0.036–0.060; int8 in the whole front end, the rest in bf16,
    /// 0.010–0.023 on MSD_musicnn but 0.015–0.033 on MTT_musicnn, almost all of it from the temporal branches
    /// (`s1`–`s3` alone in int8: 0.014–0.033; `f74` alone 0.008–0.009, `f77` alone 0.005–0.007); the timbral
    /// branches alone in int8 0.0075–0.0097 on both networks.
    public enum Int8Scope: String, Sendable, Codable, CaseIterable {
        /// The two timbral convolutions (`f74`, `f77`: most of the front end's FLOPs) in int8, their input quantised
        /// asymmetrically over its bounded range; the temporal branches, the mid end and the dense layers in bf16.
        /// What `--precision int8` runs.
        case timbral
        /// Every convolution and dense layer in int8, the front end's input quantised symmetrically
        /// (``Int8Calibration/frontend``), later layers by the calibrated scales (`--calibrate DIR`) or each chunk's
        /// own; what int8 features and model files made before ``timbral`` existed hold.
        case allLayers
    }

    /// The bf16 fallback of the layers ``Int8Scope/timbral`` keeps out of int8.
    private var int8Companion: InferencePrecision { InferencePrecision.bf16.effectiveHere.precision }

    /// The precision of the mid end and the dense layers: ``precision``, except in int8 with ``Int8Scope/timbral``.
    @_spi(Benchmarks) public var laterLayersPrecision: InferencePrecision {
        guard precision == .int8, int8Scope == .timbral else { return precision }
        return int8Companion
    }

    /// The precision front-end branch `branch` runs in: ``precision``, except the temporal branches (no time
    /// padding) in int8 with ``Int8Scope/timbral``.
    @_spi(Benchmarks) public func precision(of branch: FrontendBranch) -> InferencePrecision {
        guard precision == .int8, int8Scope == .timbral, branch.timePad == 0 else { return precision }
        return int8Companion
    }

    let inputScale: Float
    let inputShift: Float
    /// The asymmetric int8 quantisation of the normalised input that ``Int8Scope/timbral`` uses: the whole
    /// bounded range `[min(lo, 0), max(hi, 0)]` over 254 steps, `s = (hi − lo) / 254`, zero point
    /// `z = round(−128 − lo / s)`, so that 0 (the convolutions' padding) is exactly code `z` and no input clips.
    /// Against the symmetric `max(|lo|, |hi|) / 127` of ``Int8Calibration/frontend`` it halves the step on
    /// MTT_musicnn's range `[−0.35, 1.80]` (0.0085 vs 0.0142) and MSD_musicnn's `[−1.13, 2.75]` (0.0153 vs 0.0216).
    let frontEndAsymmetric: (scale: Float, zeroPoint: Int8)

    /// The int8 quantisation of the front end's input in this model's ``int8Scope``: asymmetric for
    /// ``Int8Scope/timbral``, symmetric (``Int8Calibration/frontend``, zero point 0) for ``Int8Scope/allLayers``.
    @_spi(Benchmarks) public var frontEndInt8: (scale: Float, zeroPoint: Int8) {
        int8Scope == .timbral ? frontEndAsymmetric : (int8Calibration.frontend, 0)
    }
    @_spi(Benchmarks) public let branches: [FrontendBranch]
    @_spi(Benchmarks) public let mid1: FoldedTimeConv
    let mid2: Conv2D, mid2BN: BatchNorm
    let mid3: Conv2D, mid3BN: BatchNorm
    let poolBN: BatchNorm
    let dense1: Dense, dense1BN: BatchNorm
    let dense2: Dense

    /// Channels of the concatenated front end (`2·204 + 3·51 = 561`).
    public var frontendChannels: Int { branches.reduce(0) { $0 + $1.filters } }
    /// Channels seen by the back end (`561 + 3·midendFilters`).
    public var poolChannels: Int { frontendChannels + 3 * architecture.midendFilters }

    /// Number of filters proved constant per front-end branch (`f74`, `f77`, `s1`, `s2`, `s3`).
    public var constantFilterCounts: [(branch: String, constant: Int, filters: Int)] {
        branches.map { ($0.name, $0.filters - $0.active.count, $0.filters) }
    }

    /// Loads the weights of `architecture` (kind `.musicnn`) from `weights`, checking every shape.
    /// With `pruneConstantFilters`, front-end filters that provably never pass their ReLU are dropped; without it
    /// they are computed, in a GEMM of their own (so the other filters' values do not depend on the choice).
    public init(architecture: ModelArchitecture, weights: WeightSource, pruneConstantFilters: Bool = true) throws {
        try self.init(architecture: architecture, weights: weights, pruneConstantFilters: pruneConstantFilters,
                      foldConstantChannels: true)
    }

    /// `foldConstantChannels: false` keeps the constant front-end channels in the first mid-end GEMM
    /// (used by tests to separate the effect of pruning from the float reassociation of the fold).
    init(architecture: ModelArchitecture, weights: WeightSource, pruneConstantFilters: Bool,
         foldConstantChannels: Bool) throws {
        precondition(architecture.kind == .musicnn, "MusicnnModel: \(architecture.name) is not a musicnn model")
        self.architecture = architecture
        var r = WeightReader(source: weights, model: architecture.name)
        let mels = MusicnnInput.melBands
        let nf = Int(1.6 * 128), nt = Int(1.6 * 32)       // 204, 51
        let fF = architecture.midendFilters, units = architecture.backendUnits
        let classes = architecture.tags.count

        // Graph-construction order of musicnn's layers (TF auto-naming).
        let bnIn = try r.batchNorm(1)
        let c74 = try r.conv([7, Int(0.4 * Double(mels)), 1, nf], padding: .valid, activation: .relu)
        let bn74 = try r.batchNorm(nf)
        let c77 = try r.conv([7, Int(0.7 * Double(mels)), 1, nf], padding: .valid, activation: .relu)
        let bn77 = try r.batchNorm(nf)
        var temporal: [(Conv2D, BatchNorm)] = []
        for k in [128, 64, 32] {
            let c = try r.conv([k, 1, 1, nt], padding: .same, activation: .relu)
            temporal.append((c, try r.batchNorm(nt)))
        }
        let frontC = 2 * nf + 3 * nt
        let m1 = try r.conv([7, frontC, 1, fF], padding: .valid, activation: .relu)
        let m1BN = try r.batchNorm(fF)
        let m2 = try r.conv([7, fF, 1, fF], padding: .valid, activation: .relu)
        let m2BN = try r.batchNorm(fF)
        let m3 = try r.conv([7, fF, 1, fF], padding: .valid, activation: .relu)
        let m3BN = try r.batchNorm(fF)
        let pooled = 2 * (frontC + 3 * fF)
        poolBN = try r.batchNorm(pooled)
        dense1 = try r.dense(pooled, units, activation: .relu)
        dense1BN = try r.batchNorm(units)
        dense2 = try r.dense(units, classes, activation: .identity)
        try r.checkAllUsed()

        inputScale = bnIn.scale[0]
        inputShift = bnIn.shift[0]
        let range = ConstantFilterAnalysis.normalizedInputRange(scale: inputScale, shift: inputShift,
                                                                xMax: ModelArchitecture.inputMaximum)
        func branch(_ name: String, _ c: Conv2D, _ bn: BatchNorm, timePad: Int) -> FrontendBranch {
            let dead = Set(ConstantFilterAnalysis.deadFilters(of: c, inputLow: range.lo, inputHigh: range.hi))
            return FrontendBranch(name: name, conv: c, bn: bn, timePad: timePad, dead: dead, computeDead: !pruneConstantFilters)
        }
        branches = [branch("f74", c74, bn74, timePad: 3), branch("f77", c77, bn77, timePad: 3)]
            + zip(["s1", "s2", "s3"], temporal).map { branch($0, $1.0, $1.1, timePad: 0) }

        // Constant front-end channels (global index → value) for folding into mid-end conv 1.
        var constants: [Int: Float] = [:]
        var offset = 0
        for b in branches where foldConstantChannels {
            for c in 0..<b.filters where !b.activeSet.contains(c) { constants[offset + c] = b.constant[c] }
            offset += b.filters
        }
        mid1 = FoldedTimeConv(conv: m1, bn: m1BN, constantChannels: constants)
        mid2 = Conv2D(kernel: m2.kernel.reshaped([7, 1, fF, fF]), bias: m2.bias, padding: .valid, activation: .relu)
        mid2BN = m2BN
        mid3 = Conv2D(kernel: m3.kernel.reshaped([7, 1, fF, fF]), bias: m3.bias, padding: .valid, activation: .relu)
        mid3BN = m3BN
        int8Calibration = Int8Calibration(frontend: Swift.max(abs(range.lo), abs(range.hi)) / 127)
        let lo = Swift.min(range.lo, 0), hi = Swift.max(range.hi, 0)
        let step = hi > lo ? (hi - lo) / 254 : 1
        frontEndAsymmetric = (step, Int8(Swift.min(Swift.max((-128 - lo / step).rounded(), -128), 127)))
    }

    /// This model running its GEMMs in `precision`, or in fp32 where this CPU lacks the instructions (then
    /// `notice` is the one line to print).
    public func withPrecision(_ precision: InferencePrecision) -> (model: MusicnnModel, notice: String?) {
        let e = precision.effectiveHere
        var m = self
        m.precision = e.precision
        return (m, e.notice)
    }

    /// This model with ``precision`` set as given, without the CPU check (tests of the fallback logic).
    func forcingPrecision(_ precision: InferencePrecision) -> MusicnnModel {
        var m = self
        m.precision = precision
        return m
    }

    /// Runs `count` patches (`patches` is `count × T × 96`, row-major, usually `T = 187`) and returns
    /// the taggram `[count, tags]` plus the requested `features` (see `MusicnnModel.featureNames`).
    public func predict(patches: [Float], count: Int, features: Set<String> = []) -> ModelOutput {
        let mels = MusicnnInput.melBands
        precondition(count > 0 && patches.count % (count * mels) == 0,
                     "MusicnnModel.predict: \(patches.count) values are not \(count) patches × T × \(mels)")
        let frames = patches.count / (count * mels)
        precondition(frames >= 1, "MusicnnModel.predict: empty patches")
        var parts: [ModelOutput] = []
        var start = 0
        while start < count {
            let n = min(max(chunkSize, 1), count - start)
            let x = Array(patches[(start * frames * mels)..<((start + n) * frames * mels)])
            parts.append(forward(x, count: n, frames: frames, features: features))
            start += n
        }
        return ModelOutput.joining(parts)
    }

    /// Clamps to `[0, inputMaximum]` and applies the input batch norm: `[n, T, 96, 1]`.
    @_spi(Benchmarks) public func normalizedInput(_ x: [Float], count n: Int, frames: Int) -> Tensor {
        let hi = ModelArchitecture.inputMaximum, s = inputScale, t = inputShift
        return Tensor(shape: [n, frames, MusicnnInput.melBands, 1]) { out in
            x.withUnsafeBufferPointer { src in
                for i in 0..<src.count { out[i] = min(max(src[i], 0), hi) * s + t }
            }
        }
    }

    /// Raw outputs of the five branches, `[n, T, active_i]` each: the two timbral branches one at a
    /// time, the three temporal ones sharing one im2col (nested 'same' windows).
    func branchOutputs(_ xn: Tensor) -> [Tensor] {
        var outs: [Tensor] = []
        let q = frontEndInt8
        var i = 0
        while i < branches.count {
            let b = branches[i]
            if b.timePad == 0, i + 1 < branches.count, branches[(i + 1)...].allSatisfy({ $0.timePad == 0 }) {
                let group = Array(branches[i...])
                let liveOuts = ConvMaxOverWidth.forward(group.map(\.conv), bns: group.map(\.bn), input: xn,
                                                        precision: precision(of: b), activationScale: q.scale, activationZeroPoint: q.zeroPoint)
                outs += zip(group, liveOuts).map { $0.completing($1, paddedInput: xn) }
                i = branches.count
            } else {
                outs.append(b.forward(xn, precision: precision(of: b), activationScale: q.scale, activationZeroPoint: q.zeroPoint))
                i += 1
            }
        }
        return outs
    }

    /// Front end: all 561 channels `[n, T, 561]` and the non-constant ones `[n, T, A]`.
    @_spi(Benchmarks) public func frontend(_ xn: Tensor) -> (full: Tensor, active: Tensor) {
        let (full, active) = assembleFrontend(branchOutputs(xn), n: xn.shape[0], frames: xn.shape[1], full: true)
        return (full!, active)
    }

    /// The branch outputs gathered into the non-constant channels `[n, T, A]`, and with `full` all 561 channels
    /// (the constant ones filled in).
    private func assembleFrontend(_ outs: [Tensor], n: Int, frames: Int, full wantFull: Bool) -> (full: Tensor?, active: Tensor) {
        let total = frontendChannels
        let activeTotal = branches.reduce(0) { $0 + $1.active.count }
        var full = Tensor(shape: [wantFull ? n : 0, frames, total])
        var active = Tensor(shape: [n, frames, activeTotal])
        full.values.withUnsafeMutableBufferPointer { f in
            active.values.withUnsafeMutableBufferPointer { a in
                var fOff = 0, aOff = 0
                for (b, o) in zip(branches, outs) {
                    let na = b.active.count
                    o.values.withUnsafeBufferPointer { src in
                        b.active.withUnsafeBufferPointer { idx in
                            b.constant.withUnsafeBufferPointer { cst in
                                for row in 0..<(n * frames) {
                                    let ar = a.baseAddress! + row * activeTotal + aOff
                                    let s = src.baseAddress! + row * na
                                    ar.update(from: s, count: na)
                                    guard wantFull else { continue }
                                    let fr = f.baseAddress! + row * total + fOff
                                    fr.update(from: cst.baseAddress!, count: b.filters)
                                    for j in 0..<na { fr[idx[j]] = s[j] }
                                }
                            }
                        }
                    }
                    fOff += b.filters
                    aOff += na
                }
            }
        }
        return (wantFull ? full : nil, active)
    }

    /// Mid end: `cnn1`, `cnn2`, `cnn3`, each `[n, T, F]`.
    @_spi(Benchmarks) public func midend(active: Tensor) -> (Tensor, Tensor, Tensor) {
        let n = active.shape[0], frames = active.shape[1], fF = architecture.midendFilters
        let cal = int8Calibration, precision = laterLayersPrecision
        let cnn1 = mid1.forward(active, precision: precision, activationScale: cal.mid1)
        func step(_ conv: Conv2D, _ bn: BatchNorm, _ x: Tensor, _ scale: Float?) -> Tensor {
            let padded = x.reshaped([n, frames, 1, fF]).padded([(0, 0), (3, 3), (0, 0), (0, 0)])
            return conv(padded, followedBy: bn, precision: precision, activationScale: scale).reshaped([n, frames, fF]) + x
        }
        let cnn2 = step(mid2, mid2BN, cnn1, cal.mid2)
        let cnn3 = step(mid3, mid3BN, cnn2, cal.mid3)
        return (cnn1, cnn2, cnn3)
    }

    func forward(_ x: [Float], count n: Int, frames: Int, features: Set<String>) -> ModelOutput {
        let xn = normalizedInput(x, count: n, frames: frames)
        // The 561 channels with the constant ones filled in only where something reads them: the front-end features,
        // or a mid end that did not fold the constants; otherwise the back end pools the active channels alone.
        let wantsFull = features.contains("timbral") || features.contains("temporal") || mid1.inputChannels == frontendChannels
        let (front, active) = assembleFrontend(branchOutputs(xn), n: n, frames: frames, full: wantsFull)
        let (cnn1, cnn2, cnn3) = midend(active: mid1.inputChannels == frontendChannels ? front! : active)
        let frontPools = front.map { Self.pools([$0])[0] } ?? frontendPools(active: active)
        let (maxPool, meanPool, penultimate, taggram) = backend(pools: [frontPools] + Self.pools([cnn1, cnn2, cnn3]))
        var out: [String: Tensor] = [:]
        if let front, features.contains("timbral") || features.contains("temporal") {
            let nt = branches[0].filters + branches[1].filters
            let split = [nt, frontendChannels - nt]
            let parts = front.split(alongLastAxis: split)
            if features.contains("timbral") { out["timbral"] = parts[0] }
            if features.contains("temporal") { out["temporal"] = parts[1] }
        }
        if features.contains("cnn1") { out["cnn1"] = cnn1 }
        if features.contains("cnn2") { out["cnn2"] = cnn2 }
        if features.contains("cnn3") { out["cnn3"] = cnn3 }
        if features.contains("max_pool") { out["max_pool"] = maxPool }
        if features.contains("mean_pool") { out["mean_pool"] = meanPool }
        if features.contains("penultimate") { out["penultimate"] = penultimate }
        return ModelOutput(taggram: taggram, features: out)
    }
}

extension Tensor {
    /// Splits the last axis into consecutive parts of the given sizes.
    func split(alongLastAxis sizes: [Int]) -> [Tensor] {
        let c = shape[rank - 1]
        precondition(sizes.reduce(0, +) == c, "split: \(sizes) vs \(c)")
        let rows = count / Swift.max(c, 1)
        var off = 0
        return sizes.map { size in
            let o = off
            off += size
            return Tensor(shape: Array(shape.dropLast()) + [size]) { dst in
                values.withUnsafeBufferPointer { src in
                    for r in 0..<rows where size > 0 {
                        (dst.baseAddress! + r * size).update(from: src.baseAddress! + r * c + o, count: size)
                    }
                }
            }
        }
    }
}
