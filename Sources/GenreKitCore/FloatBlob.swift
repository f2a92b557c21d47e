import Foundation

/// Little-endian packing of float arrays into SQLite blobs (float32 features, float64 window starts).
public enum FloatBlob {
    /// Float32 values as little-endian bytes, 4 per value.
    public static func data(_ values: [Float]) -> Data {
        var out = Data(count: values.count * 4)
        out.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() { raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        }
        return out
    }

    /// Float64 values as little-endian bytes, 8 per value.
    public static func data(_ values: [Double]) -> Data {
        var out = Data(count: values.count * 8)
        out.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() { raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 8 * i, as: UInt64.self) }
        }
        return out
    }

    /// The float32 values of `data`; nil when the blob is not a whole number of floats.
    public static func floats(_ data: Data) -> [Float]? {
        guard data.count % 4 == 0 else { return nil }
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// The float64 values of `data`; nil when the blob is not a whole number of doubles.
    public static func doubles(_ data: Data) -> [Double]? {
        guard data.count % 8 == 0 else { return nil }
        return data.withUnsafeBytes { raw in
            (0..<data.count / 8).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
        }
    }
}
