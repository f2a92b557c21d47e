import Foundation

/// Deterministic test signals, replicating `reference/signals.py` (see that file
/// for the formulas). 16 kHz mono, `length` samples each.
///
/// Noise uses a 32-bit LCG and is bit-exact. Tonal signals are computed in
/// Double with the same operation order as numpy and rounded to Float once;
/// libm `sin` differences between platforms may flip the last Float bit of a
/// few samples, so compare with ~1e-7 absolute tolerance, not bit equality.
/// `Fixtures/signals.json` holds each signal's length, first 8 samples and
/// exactly rounded Double sum.
enum TestSignals {
    static let sampleRate = 16000
    static let length = 4000
    static let names = ["sine440", "chord", "chirp", "noise", "silence", "clipped", "quiet", "loud"]

    /// 24-bit LCG outputs (`state >> 8`), advancing the state before each output.
    static func lcgU24(seed: UInt32, count: Int) -> [UInt32] {
        var state = seed
        var out = [UInt32]()
        out.reserveCapacity(count)
        for _ in 0..<count {
            state = state &* 1_664_525 &+ 1_013_904_223
            out.append(state >> 8)
        }
        return out
    }

    /// Uniform noise in [-1, 1), exact in Float.
    static func lcgNoise(seed: UInt32, count: Int) -> [Float] {
        lcgU24(seed: seed, count: count).map { Float($0) * 0x1p-24 * 2 - 1 }
    }

    /// `Float(k) * 2^-24 * Float(scale)` (one Float rounding), uniform in [0, scale).
    static func lcgUniform(seed: UInt32, count: Int, scale: Float) -> [Float] {
        lcgU24(seed: seed, count: count).map { Float($0) * 0x1p-24 * scale }
    }

    private static func sine(_ f: Double, _ a: Double) -> [Double] {
        let sr = Double(sampleRate)
        return (0..<length).map { n in a * sin(2.0 * Double.pi * f * Double(n) / sr) }
    }

    private static func add(_ xs: [Double]...) -> [Double] {
        var out = xs[0]
        for x in xs.dropFirst() {
            for i in out.indices { out[i] += x[i] }
        }
        return out
    }

    static func make(_ name: String) -> [Float] {
        let y: [Double]
        switch name {
        case "sine440":
            y = sine(440.0, 0.5)
        case "chord":
            y = add(sine(261.63, 0.3), sine(329.63, 0.3), sine(392.0, 0.3))
        case "chirp":
            let f0 = 100.0, f1 = 7000.0
            let sr = Double(sampleRate)
            let T = Double(length) / sr
            let k = (f1 - f0) / T
            y = (0..<length).map { n in
                let t = Double(n) / sr
                return 0.5 * sin(2.0 * Double.pi * (f0 * t + 0.5 * k * t * t))
            }
        case "noise":
            return lcgNoise(seed: 12345, count: length).map { Float(0.3) * $0 }
        case "silence":
            return [Float](repeating: 0, count: length)
        case "clipped":
            y = sine(440.0, 3.0).map { min(max($0, -1.0), 1.0) }
        case "quiet":
            y = sine(440.0, 1e-4)
        case "loud":
            y = add(sine(60.0, 0.5), sine(90.0, 0.3), sine(150.0, 0.19))
        default:
            fatalError("unknown test signal \(name)")
        }
        return y.map { Float($0) }
    }
}
