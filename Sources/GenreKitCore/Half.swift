/// IEEE 754 binary16 ("half", NumPy's `float16`) conversions done on bits, portable to every platform.
public enum Half {
    /// Largest finite half value, 65504.
    public static let greatestFiniteMagnitude: Float = 65504

    /// Rounds a float to the nearest half value (ties to even) and back, as `np.float32(np.float16(x))`.
    /// Values at or above 65520 become `+inf`, as in NumPy.
    @inline(__always)
    public static func round(_ x: Float) -> Float { toFloat(fromFloat(x)) }

    /// Float32 → float16 bits, round to nearest even.
    @inline(__always)
    public static func fromFloat(_ x: Float) -> UInt16 {
        let b = x.bitPattern
        let sign = UInt16((b >> 16) & 0x8000)
        let exp = Int((b >> 23) & 0xff)
        var mant = b & 0x7f_ffff
        if exp == 0xff { return sign | 0x7c00 | (mant != 0 ? 0x200 : 0) }   // inf / nan
        let e = exp - 127 + 15
        if e >= 0x1f { return sign | 0x7c00 }                                    // overflow → inf
        if e <= 0 {                                                              // subnormal or zero
            if e < -10 { return sign }
            mant |= 0x80_0000
            let shift = UInt32(14 - e)
            let half = mant >> shift
            let rem = mant & ((1 << shift) - 1)
            let mid = UInt32(1) << (shift - 1)
            var h = half
            if rem > mid || (rem == mid && (half & 1) == 1) { h += 1 }
            return sign | UInt16(h)
        }
        var h = UInt32(e) << 10 | (mant >> 13)
        let rem = mant & 0x1fff
        if rem > 0x1000 || (rem == 0x1000 && (h & 1) == 1) { h += 1 }          // may carry into exponent: still right
        return sign | UInt16(h)
    }

    /// Float16 bits → float32 (exact).
    @inline(__always)
    public static func toFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = UInt32(h >> 10) & 0x1f
        let mant = UInt32(h & 0x3ff)
        if exp == 0 {
            if mant == 0 { return Float(bitPattern: sign) }
            return (sign != 0 ? -1 : 1) * Float(mant) * 0x1p-24
        }
        if exp == 0x1f { return Float(bitPattern: sign | 0x7f80_0000 | (mant << 13)) }
        return Float(bitPattern: sign | ((exp + 112) << 23) | (mant << 13))
    }
}
