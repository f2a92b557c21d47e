import Foundation

/// Float32 little-endian blobs decoded into float arrays in one copy (the only unsafe code of the catalog).
enum VectorBlob {
    /// Appends the floats of `raw` (a whole number of little-endian float32 values) to `values`.
    static func append(_ raw: UnsafeRawBufferPointer, to values: inout [Float]) {
        let n = raw.count / 4
        guard n > 0 else { return }
        let start = values.count
        values.append(contentsOf: repeatElement(0, count: n))
        values.withUnsafeMutableBufferPointer { out in copy(raw, count: n, into: out.baseAddress! + start) }
    }

    /// Copies `count` little-endian float32 values from `raw` to `destination`.
    static func copy(_ raw: UnsafeRawBufferPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        guard count > 0, let source = raw.baseAddress else { return }
        #if _endian(little)
        UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
        #else
        for i in 0..<count {
            destination[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        }
        #endif
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

/// Builds a ``CatalogVectorChunk`` row by row: the first row fixes the dimension and allocates the whole
/// `limit × dimension` buffer once; each blob is then copied straight into its row (no per-vector array).
struct VectorChunkBuilder {
    let limit: Int
    private(set) var ids: [Int64] = []
    private(set) var dimension = 0
    private var values: [Float] = []

    init(limit: Int) {
        self.limit = limit
        ids.reserveCapacity(limit)
    }

    /// Appends song `id`'s vector of `dimension` values from `raw`; false (nothing appended) when the dimension
    /// differs from the chunk's, the blob has another size, or the chunk is full.
    mutating func append(id: Int64, dimension d: Int, raw: UnsafeRawBufferPointer) -> Bool {
        if ids.isEmpty {
            guard d > 0 else { return false }
            dimension = d
            if values.count != limit * d { values = [Float](repeating: 0, count: limit * d) }
        }
        guard d == dimension, raw.count == d * 4, ids.count < limit else { return false }
        let row = ids.count
        values.withUnsafeMutableBufferPointer { out in VectorBlob.copy(raw, count: d, into: out.baseAddress! + row * d) }
        ids.append(id)
        return true
    }

    /// The rows appended so far (the builder gives its buffer away, so trimming the unused rows copies nothing).
    mutating func finish() -> CatalogVectorChunk {
        var v = values
        values = []
        if v.count > ids.count * dimension { v.removeLast(v.count - ids.count * dimension) }
        return CatalogVectorChunk(ids: ids, dimension: ids.isEmpty ? 0 : dimension, values: v)
    }
}
