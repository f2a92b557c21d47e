import CDNNL

/// The number format a network's convolution and dense layers run in.
///
/// * `fp32`: float32 weights and activations (the parity path: within the parity tests' tolerances of TensorFlow);
/// * `bf16`: weights and activations rounded to bfloat16 (8-bit mantissa, round to nearest even), products accumulated
///   in float32 (oneDNN, AVX512-BF16);
/// * `int8`: weights quantised per output channel, `w_q = round(w / s_w[n])`, `s_w[n] = max_k |w[k, n]| / 127`;
///   activations per tensor, `a_q = clamp(round(a / s_a), −127, 127)` with `s_a` calibrated (`Int8Calibration`), or
///   asymmetrically with a zero point `z`, `a_q = clamp(round(a / s_a) + z, −128, 127)`; int32 accumulation,
///   `y[m, n] = s_a · s_w[n] · Σ_k (a_q[m, k] − z) · w_q[k, n]` (oneDNN, VNNI). Which layers of a network run in int8
///   is the network's choice (musicnn: `MusicnnModel.Int8Scope`).
public enum InferencePrecision: String, Sendable, CaseIterable, Codable, Hashable {
    case fp32, bf16, int8

    /// The instruction set this precision needs to be worth running (oneDNN's ISA names).
    public var requiredISA: String? {
        switch self {
        case .fp32: return nil
        case .bf16: return "avx512_core_bf16"
        case .int8: return "avx512_core_vnni"
        }
    }

    /// The precision actually run on a CPU whose oneDNN ISA is `isa` (`DNNLEngine.effectiveISA`), and the one-line
    /// notice to print when it falls back to fp32 (`nil` when `self` runs as asked).
    ///
    /// bf16 needs `avx512_core_bf16` or later, int8 `avx512_core_vnni` or later (`avx2_vnni` also has VNNI); without
    /// them, or without oneDNN, both fall back to fp32.
    public func effective(onISA isa: String?) -> (precision: InferencePrecision, notice: String?) {
        guard self != .fp32 else { return (.fp32, nil) }
        let order = ["sse41", "avx", "avx2", "avx2_vnni", "avx512_core", "avx512_core_vnni", "avx512_core_bf16",
                     "avx512_core_amx"]
        let ok: Bool
        if let isa, let have = order.firstIndex(of: isa) {
            switch self {
            case .bf16: ok = have >= order.firstIndex(of: "avx512_core_bf16")!
            case .int8: ok = isa == "avx2_vnni" || have >= order.firstIndex(of: "avx512_core_vnni")!
            case .fp32: ok = true
            }
        } else {
            ok = false
        }
        if ok { return (self, nil) }
        let why = isa.map { "this CPU's oneDNN ISA is \($0), \(self.rawValue) needs \(requiredISA!)" } ?? "oneDNN is unavailable"
        return (.fp32, "notice: --precision \(rawValue) falls back to fp32 (\(why))")
    }

    /// ``effective(onISA:)`` on this machine.
    public var effectiveHere: (precision: InferencePrecision, notice: String?) {
        effective(onISA: DNNLEngine.shared == nil ? nil : DNNLEngine.effectiveISA)
    }
}
