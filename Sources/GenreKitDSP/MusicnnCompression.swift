import Foundation
import GenreKitCore

/// musicnn's log compression of mel power: `x̂ = log10(10000 · f16(x) + 1)`, where `f16` rounds to IEEE half
/// precision and the product is float32.
///
/// This is what musicnn's `batch_data` computes under NumPy 1 (`mel.astype(np.float16)`, then `10000 * …`
/// promotes to float32). Under NumPy 2 the product stays float16 and overflows to `inf` for `x > 6.55`; GenreKit
/// follows NumPy 1, the semantics the networks were trained with. Power at or above 65520 rounds to `inf` in
/// half precision; GenreKit clamps it to the largest half value (65504), so the output is bounded by
/// ``upperBound`` (the reference would produce `inf` and then NaN taggrams there).
public enum MusicnnCompression {
    /// `log10(10000 · 65504 + 1) ≈ 8.8163`, the largest value the compression can produce.
    public static let upperBound: Float = log10(Float(10000) * Half.greatestFiniteMagnitude + 1)

    /// Compresses one mel power value.
    @inline(__always)
    public static func apply(_ x: Float) -> Float {
        let h = min(Half.round(x), Half.greatestFiniteMagnitude)
        return log10(Float(10000) * h + Float(1))
    }

    /// Compresses an array in place: ``apply(_:)`` of every value, read from ``table`` (the same function of the same
    /// 16 bits, so the same numbers).
    public static func apply(inPlace values: inout [Float]) {
        table.withUnsafeBufferPointer { t in
            values.withUnsafeMutableBufferPointer { p in
                for i in p.indices { p[i] = t[Int(Half.fromFloat(p[i]))] }
            }
        }
    }

    /// ``apply(_:)`` depends on its input only through the float16 it rounds to: entry `b` is the compression of the
    /// half whose bits are `b` (65,536 entries, 256 KB, made once per process with the same `min` and `log10`).
    static let table: [Float] = (0...Int(UInt16.max)).map { b in
        let h = min(Half.toFloat(UInt16(b)), Half.greatestFiniteMagnitude)
        return log10(Float(10000) * h + Float(1))
    }
}
