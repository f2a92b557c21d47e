/// Input of the "patches" fixtures (see reference/make_musicnn_fixtures.py):
/// 2 spectrogram patches of 187 frames x 96 mel bands, values uniform in [0, 8.8),
/// from the 32-bit LCG of reference/signals.py (seed 2024), in C order
/// (patch, frame, mel). Bit-exact with the Python generator.
enum ReferencePatches {
    static let seed: UInt32 = 2024
    static let count = 2
    static let frames = 187
    static let mels = 96
    static let scale: Float = 8.8

    /// Flat [count * frames * mels] array, index = (p * frames + t) * mels + m.
    static func make() -> [Float] {
        var state = seed
        var out = [Float]()
        out.reserveCapacity(count * frames * mels)
        for _ in 0..<(count * frames * mels) {
            state = state &* 1_664_525 &+ 1_013_904_223  // advance first
            out.append(Float(state >> 8) * 0x1p-24 * scale)
        }
        return out
    }
}
