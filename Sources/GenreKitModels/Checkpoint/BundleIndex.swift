/// The decoded `.index` file of a tensor bundle: its header and one
/// ``BundleEntry`` per tensor name.
struct BundleIndex {
    let header: BundleHeader
    /// Tensor entries in key order (the header's empty key excluded).
    let entries: [(name: String, entry: BundleEntry)]

    /// Parses and verifies the bytes of an `.index` file. Requires a
    /// little-endian, single-shard bundle.
    init(bytes: [UInt8], path: String) throws(CheckpointError) {
        let table = try SSTable(bytes: bytes, path: path)
        var header: BundleHeader?
        var entries: [(name: String, entry: BundleEntry)] = []
        entries.reserveCapacity(table.entries.count)
        for (key, value) in table.entries {
            if key.isEmpty {
                do { header = try BundleHeader(protobuf: value) } catch {
                    throw .corruptIndex(path: path, reason: "bad bundle header: \(error)")
                }
                continue
            }
            guard let name = String(validating: key, as: UTF8.self) else {
                throw .corruptIndex(path: path, reason: "tensor name is not UTF-8")
            }
            do { entries.append((name, try BundleEntry(protobuf: value))) } catch {
                throw .corruptIndex(path: path, reason: "bad entry for '\(name)': \(error)")
            }
        }
        guard let header else { throw .corruptIndex(path: path, reason: "no bundle header (empty key)") }
        guard header.endianness == 0 else {
            throw .unsupportedFormat(path: path, reason: "big-endian tensor bundle")
        }
        guard header.numShards == 1 else {
            throw .unsupportedFormat(path: path, reason: "\(header.numShards) data shards, only 1 is supported")
        }
        for (name, e) in entries where e.shardID != 0 {
            throw .corruptIndex(path: path, reason: "tensor '\(name)' is in shard \(e.shardID) of a 1-shard bundle")
        }
        self.header = header
        self.entries = entries
    }
}
