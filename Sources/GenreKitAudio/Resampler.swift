import CSoxr

/// Streaming mono sample-rate converter on libsoxr, the engine behind librosa's default `res_type="soxr_hq"`.
///
/// Feed blocks with ``process(_:)`` and call ``finish()`` once; the concatenated output equals
/// `soxr_oneshot(inRate, outRate, 1, ..., SOXR_HQ)` on the whole signal.
public final class Resampler {
    /// Quality recipes of libsoxr.
    public enum Quality: Sendable {
        /// `SOXR_HQ`: 20-bit precision, librosa's default (`soxr_hq`).
        case high
        /// `SOXR_VHQ`: 28-bit precision (`soxr_vhq`).
        case veryHigh

        var recipe: UInt { self == .high ? UInt(SOXR_HQ) : UInt(SOXR_VHQ) }
    }

    public let inputRate: Double
    public let outputRate: Double
    private let soxr: soxr_t
    private var scratch: [Float] = []

    /// Creates a converter from `inputRate` to `outputRate` Hz.
    public init(inputRate: Double, outputRate: Double, quality: Quality = .high) throws(AudioError) {
        guard inputRate > 0, outputRate > 0 else {
            throw .invalidParameter("sample rates must be positive (got \(inputRate) → \(outputRate))")
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        var error: soxr_error_t? = nil
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var q = soxr_quality_spec(quality.recipe, 0)
        guard let s = soxr_create(inputRate, outputRate, 1, &error, &io, &q, nil), error == nil else {
            throw .resampleFailed(path: "-", reason: error.map { String(cString: $0) } ?? "soxr_create failed")
        }
        soxr = s
    }

    deinit { soxr_delete(soxr) }

    /// Number of output samples librosa keeps for `n` input samples: `ceil(n · outputRate / inputRate)`.
    public static func expectedLength(inputCount n: Int, inputRate: Double, outputRate: Double) -> Int {
        Int((Double(n) * outputRate / inputRate).rounded(.up))
    }

    /// Converts one block and appends what is ready to `output`.
    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) throws(AudioError) {
        try run(input.baseAddress, count: input.count, into: &output)
    }

    /// Flushes the converter's delay line into `output`. Call once, after the last block.
    public func finish(into output: inout [Float]) throws(AudioError) {
        try run(nil, count: 0, into: &output)
    }

    private func run(_ input: UnsafePointer<Float>?, count: Int, into output: inout [Float]) throws(AudioError) {
        var consumedTotal = 0
        repeat {
            let room = max(4096, Int(Double(count - consumedTotal) * outputRate / inputRate) + 64)
            if scratch.count < room { scratch = [Float](repeating: 0, count: room) }
            var consumed = 0
            var produced = 0
            let err: soxr_error_t? = scratch.withUnsafeMutableBufferPointer { out in
                soxr_process(soxr, input.map { UnsafeRawPointer($0 + consumedTotal) }, count - consumedTotal, &consumed,
                             out.baseAddress, room, &produced)
            }
            if let err { throw .resampleFailed(path: "-", reason: String(cString: err)) }
            output.append(contentsOf: scratch[0..<produced])
            consumedTotal += consumed
            // When flushing (input nil) keep draining until soxr returns nothing more.
            if input == nil { if produced == 0 { break } else { continue } }
            if consumed == 0 && produced == 0 { break }
        } while consumedTotal < count || input == nil
    }
}
