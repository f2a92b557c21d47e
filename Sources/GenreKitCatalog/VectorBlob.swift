import Foundation

/// Float32 little-endian blobs appended to a flat array in one copy (the only unsafe code of the catalog).
enum VectorBlob {
    /// Appends the floats of `raw` (a whole number of little-endian float32 values) to `values`.
    static func append(_ raw: UnsafeRawBufferPointer, to values: inout [Float]) {
        let n = raw.count / 4
        guard n > 0, let source = raw.baseAddress else { return }
        let start = values.count
        values.append(contentsOf: repeatElement(0, count: n))
        values.withUnsafeMutableBufferPointer { out in
            #if _endian(little)
            UnsafeMutableRawPointer(out.baseAddress! + start).copyMemory(from: source, byteCount: n * 4)
            #else
            for i in 0..<n {
                out[start + i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
            #endif
        }
    }

    /// `values` as little-endian float32 bytes.
    static func bytes(_ values: [Float]) -> [UInt8] {
        #if _endian(little)
        return values.withUnsafeBytes { Array($0) }
        #else
        return Array(FloatBlob.data(values))
        #endif
    }
}
