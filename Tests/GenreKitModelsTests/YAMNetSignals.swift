import Foundation
import GenreKitAudio
import GenreKitCore
import GenreKitDSP
import GenreKitModels

/// The YAMNet parity signals of `reference/make_yamnet_fixtures.py` (see there): 30 960 samples at 16 kHz
/// (3 windows), plus the `clip` fixture decoded exactly.
enum YAMNetSignals {
    static let names = ["noise", "chord", "chirp", "silence", "clip"]
    static let sampleRate = 16000.0
    static let length = 15600 + 2 * 7680

    static func lcgNoise(seed: UInt32, count: Int) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(state >> 8) * 0x1p-24 * 2 - 1
        }
    }

    static func make(_ name: String) throws -> [Float] {
        let sr = sampleRate
        switch name {
        case "noise":
            return lcgNoise(seed: 2024, count: length).map { Float(0.3) * $0 }
        case "chord":
            return (0..<length).map { n in
                let x = Double(n)
                let a = 0.3 * sin(2.0 * Double.pi * 261.63 * x / sr)
                let b = 0.3 * sin(2.0 * Double.pi * 329.63 * x / sr)
                let c = 0.3 * sin(2.0 * Double.pi * 392.0 * x / sr)
                return Float(a + b + c)
            }
        case "chirp":
            let f0 = 100.0, f1 = 7000.0
            let k = (f1 - f0) / (Double(length) / sr)
            return (0..<length).map { n in
                let t = Double(n) / sr
                return Float(0.5 * sin(2.0 * Double.pi * (f0 * t + 0.5 * k * t * t)))
            }
        case "silence":
            return [Float](repeating: 0, count: length)
        case "clip":
            guard let p = Fixtures.path("clip.flac") else { throw CocoaError(.fileNoSuchFile) }
            return try AudioDecoder(sampleRate: 16000).decode(path: p).samples
        default:
            fatalError("unknown YAMNet signal \(name)")
        }
    }

    /// SHA-256 of the signal's little-endian float32 bytes (compared with yamnet.json).
    static func digest(_ y: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(4 * y.count)
        for v in y { let b = v.bitPattern.littleEndian; bytes += [UInt8(b & 255), UInt8(b >> 8 & 255), UInt8(b >> 16 & 255), UInt8(b >> 24)] }
        return SHA256Hash.hex(of: bytes)
    }
}
