/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by LevelDB
/// tables and TensorFlow tensor bundles.
///
/// Table-driven, slicing-by-8: eight bytes per step over an
/// `UnsafeRawBufferPointer`, so a 10 MB checkpoint is checksummed in a few
/// milliseconds.
public enum CRC32C {
    /// The constant TensorFlow and LevelDB add when masking a stored CRC.
    public static let maskDelta: UInt32 = 0xa282_ead8

    /// 8 tables of 256 entries, flattened: `tables[k * 256 + i]`.
    private static let tables: [UInt32] = {
        let poly: UInt32 = 0x82F6_3B78
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ poly : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (prev >> 8) ^ t[Int(prev & 0xff)]
            }
        }
        return t
    }()

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        update(0, bytes)
    }

    /// The CRC-32C of a byte sequence (convenience for small inputs).
    public static func checksum<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        let array = Array(bytes)
        return array.withUnsafeBytes { checksum($0) }
    }

    /// Extends `crc` (the CRC-32C of the bytes seen so far; 0 for none) with `bytes`.
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        let count = bytes.count
        guard count > 0, let base = bytes.baseAddress else { return crc }
        tables.withUnsafeBufferPointer { tp in
            let t = tp.baseAddress!
            var i = 0
            while i + 8 <= count {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let lo = c ^ UInt32(truncatingIfNeeded: word)
                let hi = UInt32(truncatingIfNeeded: word >> 32)
                c = t[7 * 256 + Int(lo & 0xff)]
                    ^ t[6 * 256 + Int((lo >> 8) & 0xff)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xff)]
                    ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xff)]
                    ^ t[2 * 256 + Int((hi >> 8) & 0xff)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xff)]
                    ^ t[Int(hi >> 24)]
                i += 8
            }
            while i < count {
                let b = base.load(fromByteOffset: i, as: UInt8.self)
                c = (c >> 8) ^ t[Int((c ^ UInt32(b)) & 0xff)]
                i += 1
            }
        }
        return ~c
    }

    /// Masks a CRC the way TensorFlow and LevelDB store it:
    /// `((crc >> 15) | (crc << 17)) &+ 0xa282ead8`.
    public static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ maskDelta
    }

    /// Inverse of ``mask(_:)``.
    public static func unmask(_ masked: UInt32) -> UInt32 {
        let rot = masked &- maskDelta
        return (rot >> 17) | (rot << 15)
    }
}
