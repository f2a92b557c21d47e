/// A reader for LevelDB-format sorted string tables, as used for the `.index`
/// file of TensorFlow tensor bundles.
///
/// Layout: data blocks, a metaindex block, an index block (each followed by a
/// 5-byte trailer: compression type and masked CRC32C of block + type) and a
/// 48-byte footer (two block handles as varints, zero padding, 8-byte magic).
/// Every block checksum is verified; only uncompressed blocks are accepted.
struct SSTable {
    /// Offset and size of a block inside the table file.
    struct BlockHandle: Equatable {
        var offset: Int
        var size: Int
    }

    /// `0xdb4775248b80fb57`, stored little-endian at the very end of the file.
    static let magic: UInt64 = 0xdb47_7524_8b80_fb57
    static let footerLength = 48
    static let blockTrailerLength = 5

    /// All key/value pairs of the data blocks, in file (= sorted) order.
    let entries: [(key: [UInt8], value: ArraySlice<UInt8>)]

    /// Parses and verifies `bytes`; `path` is only used in error messages.
    init(bytes: [UInt8], path: String) throws(CheckpointError) {
        func corrupt(_ reason: String) -> CheckpointError { .corruptIndex(path: path, reason: reason) }

        guard bytes.count >= Self.footerLength else {
            throw corrupt("file is \(bytes.count) bytes, shorter than the \(Self.footerLength)-byte table footer")
        }
        let footerStart = bytes.count - Self.footerLength
        var magic: UInt64 = 0
        for i in 0..<8 { magic |= UInt64(bytes[bytes.count - 8 + i]) << (8 * UInt64(i)) }
        guard magic == Self.magic else { throw corrupt("bad table magic number") }

        var p = footerStart
        let footer = bytes[footerStart..<(bytes.count - 8)]
        let metaindex: BlockHandle
        let index: BlockHandle
        do {
            metaindex = try Self.readHandle(footer, &p)
            index = try Self.readHandle(footer, &p)
        } catch {
            throw corrupt("bad footer: \(error)")
        }
        guard footer[p...].allSatisfy({ $0 == 0 }) else { throw corrupt("non-zero footer padding") }

        _ = try Self.readBlock(bytes, metaindex, path: path)  // verified, content unused
        let indexBlock = try Self.readBlock(bytes, index, path: path)
        var entries: [(key: [UInt8], value: ArraySlice<UInt8>)] = []
        for (_, handleBytes) in try Self.parseBlock(indexBlock, path: path) {
            var q = handleBytes.startIndex
            let handle: BlockHandle
            do { handle = try Self.readHandle(handleBytes, &q) } catch { throw corrupt("bad data block handle: \(error)") }
            let block = try Self.readBlock(bytes, handle, path: path)
            for (key, value) in try Self.parseBlock(block, path: path) {
                if let last = entries.last, !last.key.lexicographicallyPrecedes(key) {
                    throw corrupt("keys out of order")
                }
                entries.append((key, value))
            }
        }
        self.entries = entries
    }

    static func readHandle(_ bytes: ArraySlice<UInt8>, _ p: inout Int) throws(ProtobufReader.DecodeError) -> BlockHandle {
        let offset = try ProtobufReader.readVarint(bytes, &p)
        let size = try ProtobufReader.readVarint(bytes, &p)
        guard offset <= UInt64(Int.max / 2), size <= UInt64(Int.max / 2) else {
            throw ProtobufReader.DecodeError(message: "block handle out of range")
        }
        return BlockHandle(offset: Int(offset), size: Int(size))
    }

    /// The contents of the block at `handle`, after checking its trailer's CRC and compression type.
    static func readBlock(_ bytes: [UInt8], _ handle: BlockHandle, path: String) throws(CheckpointError) -> ArraySlice<UInt8> {
        let end = handle.offset + handle.size
        guard end + blockTrailerLength <= bytes.count - footerLength else {
            throw .corruptIndex(path: path, reason: "block at \(handle.offset)+\(handle.size) runs past the end of the table")
        }
        let type = bytes[end]
        var stored: UInt32 = 0
        for i in 0..<4 { stored |= UInt32(bytes[end + 1 + i]) << (8 * UInt32(i)) }
        let actual = bytes.withUnsafeBytes { raw in
            CRC32C.update(0, UnsafeRawBufferPointer(rebasing: raw[handle.offset...end]))  // block + type byte
        }
        guard CRC32C.unmask(stored) == actual else {
            throw .corruptIndex(path: path, reason: "checksum mismatch in block at offset \(handle.offset)")
        }
        guard type == 0 else { throw .unsupportedCompression(path: path, type: type) }
        return bytes[handle.offset..<end]
    }

    /// Decodes the prefix-compressed entries of one block (restart array at its end).
    static func parseBlock(_ block: ArraySlice<UInt8>, path: String) throws(CheckpointError) -> [(key: [UInt8], value: ArraySlice<UInt8>)] {
        func corrupt(_ reason: String) -> CheckpointError { .corruptIndex(path: path, reason: reason) }
        guard block.count >= 4 else { throw corrupt("block shorter than its restart count") }
        var numRestarts = 0
        for i in 0..<4 { numRestarts |= Int(block[block.endIndex - 4 + i]) << (8 * i) }
        guard numRestarts <= (block.count - 4) / 4 else { throw corrupt("bad restart count \(numRestarts)") }
        let limit = block.endIndex - 4 - 4 * numRestarts

        var result: [(key: [UInt8], value: ArraySlice<UInt8>)] = []
        var key: [UInt8] = []
        var p = block.startIndex
        let entries = block[block.startIndex..<limit]
        while p < limit {
            let shared: UInt64, nonShared: UInt64, valueLength: UInt64
            do {
                shared = try ProtobufReader.readVarint(entries, &p)
                nonShared = try ProtobufReader.readVarint(entries, &p)
                valueLength = try ProtobufReader.readVarint(entries, &p)
            } catch {
                throw corrupt("bad entry header: \(error)")
            }
            guard shared <= UInt64(key.count),
                  nonShared <= UInt64(limit - p),
                  valueLength <= UInt64(limit - p) - nonShared
            else { throw corrupt("entry runs past the end of its block") }
            key.removeSubrange(Int(shared)...)
            key.append(contentsOf: block[p..<(p + Int(nonShared))])
            p += Int(nonShared)
            result.append((key, block[p..<(p + Int(valueLength))]))
            p += Int(valueLength)
        }
        return result
    }
}
