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

    /// `q = clamp(round(x · inverseScale), −127, 127)` for `count` floats (round half away from zero; NaN → 0).
    ///
    /// Written with scalar selects only (``DynamicQuantization/quantized(_:inverse:zeroPoint:)``'s rounding, then
    /// the int8 bits taken from the float's mantissa) so that LLVM vectorises it: the plain
    /// `Int8((x · s).rounded())` compiled to a `roundf` call and a range check per element and took 70 % of an int8
    /// `genrekit tag` (the GEMM itself 6 %).
    public static func toInt8(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Int8>, count: Int, inverseScale: Float) {
        for i in 0..<count {
            var r = DynamicQuantization.quantized(src[i], inverse: inverseScale, zeroPoint: 0)
            r = r < -127 ? -127 : r
            // r is an integer in [−127, 127]: r + (2²³ + 128) holds r + 128 in its low mantissa bits.
            dst[i] = Int8(truncatingIfNeeded: Int32(bitPattern: (r + 8_388_736).bitPattern) &- 0x4B00_0080)
        }
    }

    /// Asymmetric int8: `q = clamp(round(x · inverseScale) + zeroPoint, −128, 127)` for `count` floats (round half
    /// away from zero; NaN → `zeroPoint`), so that `x ≈ s · (q − zeroPoint)` and `x = 0` is exactly `q = zeroPoint`.
    public static func toInt8(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Int8>, count: Int, inverseScale: Float,
                              zeroPoint: Int8) {
        let zf = Float(zeroPoint)
        for i in 0..<count {
            let r = DynamicQuantization.quantized(src[i], inverse: inverseScale, zeroPoint: zf)
            // r is an integer in [−128, 127]: r + (2²³ + 128) holds r + 128 in its low mantissa bits.
            dst[i] = Int8(truncatingIfNeeded: Int32(bitPattern: (r + 8_388_736).bitPattern) &- 0x4B00_0080)
        }
    }

    /// Largest `|x|` of `count` floats (0 for none; NaN ignored), with eight running maxima so that LLVM vectorises
    /// the scan.
    public static func maxAbs(_ src: UnsafePointer<Float>, count: Int) -> Float {
        var m0: Float = 0, m1: Float = 0, m2: Float = 0, m3: Float = 0, m4: Float = 0, m5: Float = 0, m6: Float = 0, m7: Float = 0
        var i = 0
        while i + 8 <= count {
            let v0 = src[i].magnitude, v1 = src[i + 1].magnitude, v2 = src[i + 2].magnitude, v3 = src[i + 3].magnitude
            let v4 = src[i + 4].magnitude, v5 = src[i + 5].magnitude, v6 = src[i + 6].magnitude, v7 = src[i + 7].magnitude
            m0 = v0 > m0 ? v0 : m0; m1 = v1 > m1 ? v1 : m1; m2 = v2 > m2 ? v2 : m2; m3 = v3 > m3 ? v3 : m3
            m4 = v4 > m4 ? v4 : m4; m5 = v5 > m5 ? v5 : m5; m6 = v6 > m6 ? v6 : m6; m7 = v7 > m7 ? v7 : m7
            i += 8
        }
        var m = Swift.max(Swift.max(Swift.max(m0, m1), Swift.max(m2, m3)), Swift.max(Swift.max(m4, m5), Swift.max(m6, m7)))
        while i < count { let v = src[i].magnitude; m = v > m ? v : m; i += 1 }
        return m
    }
}
