/// Conversions of float32 values to bfloat16 and to symmetric int8.
public enum LowPrecision {
    /// bfloat16 bits of `x`, rounded to nearest even (NaN kept a quiet NaN): the upper 16 bits of
    /// `bits(x) + 0x7FFF + ((bits(x) >> 16) & 1)`.
    @inline(__always)
    public static func bfloat16(_ x: Float) -> UInt16 {
        let b = x.bitPattern
        if x.isNaN { return UInt16(truncatingIfNeeded: b >> 16) | 0x40 }
        return UInt16(truncatingIfNeeded: (b &+ 0x7FFF &+ ((b >> 16) & 1)) >> 16)
    }

    /// The float32 value of bfloat16 bits.
    @inline(__always)
    public static func float(bfloat16 h: UInt16) -> Float { Float(bitPattern: UInt32(h) << 16) }

    /// Converts `count` floats to bfloat16.
    public static func toBFloat16(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<UInt16>, count: Int) {
        let s = UnsafeRawPointer(src).assumingMemoryBound(to: UInt32.self)
        for i in 0..<count {
            let b = s[i]
            // NaN never occurs in these activations (inputs are refused when not finite); the rounding is exact.
            dst[i] = UInt16(truncatingIfNeeded: (b &+ 0x7FFF &+ ((b >> 16) & 1)) >> 16)
        }
    }

    /// `q = clamp(round(x · inverseScale), −127, 127)` for `count` floats (round half away from zero).
    public static func toInt8(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Int8>, count: Int, inverseScale: Float) {
        for i in 0..<count {
            let v = (src[i] * inverseScale).rounded()
            dst[i] = Int8(Swift.min(Swift.max(v, -127), 127))
        }
    }

    /// Largest `|x|` of `count` floats (0 for none).
    public static func maxAbs(_ src: UnsafePointer<Float>, count: Int) -> Float {
        var m: Float = 0
        for i in 0..<count { m = Swift.max(m, Swift.abs(src[i])) }
        return m
    }
}
