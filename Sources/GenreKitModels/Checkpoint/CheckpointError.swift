/// Why a TensorFlow checkpoint could not be read.
///
/// Every case names the file involved; ``description`` is one line that also
/// says what to do about it.
public enum CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A checkpoint file does not exist.
    case missingFile(path: String)
    /// A file exists but could not be read.
    case unreadableFile(path: String, reason: String)
    /// `init(directory:)` found no `*.index` file in the folder.
    case noIndexFile(directory: String)
    /// `init(directory:)` found more than one `*.index` file in the folder.
    case multipleIndexFiles(directory: String, names: [String])
    /// The `.index` file is damaged: bad footer, block checksum, protobuf, ….
    case corruptIndex(path: String, reason: String)
    /// An index block uses a compression other than 0 (none).
    case unsupportedCompression(path: String, type: UInt8)
    /// Valid, but something this reader does not handle (big-endian, several shards, …).
    case unsupportedFormat(path: String, reason: String)
    /// The data file is shorter than the index says.
    case truncatedData(path: String, tensor: String, needed: Int, available: Int)
    /// A tensor's bytes do not match the CRC32C stored in the index.
    case checksumMismatch(path: String, tensor: String, expected: UInt32, actual: UInt32)
    /// No tensor of that name in the checkpoint.
    case tensorNotFound(name: String, path: String)
    /// The tensor is not DT_FLOAT, so it cannot be decoded to `[Float]`.
    case unsupportedDType(name: String, dtype: Int, path: String)
    /// The tensor is stored as slices of a partitioned variable, which this reader does not assemble.
    case slicedTensor(name: String, path: String)

    /// What the user should do when the weights on disk are damaged.
    static let redownloadHint = "re-run scripts/setup.sh to re-download the weights"

    public var description: String {
        let hint = Self.redownloadHint
        switch self {
        case .missingFile(let path):
            return "checkpoint file \(path) does not exist; \(hint)"
        case .unreadableFile(let path, let reason):
            return "cannot read checkpoint file \(path) (\(reason)); check its permissions or \(hint)"
        case .noIndexFile(let directory):
            return "no *.index checkpoint file in \(directory); \(hint)"
        case .multipleIndexFiles(let directory, let names):
            return "several *.index files in \(directory) (\(names.joined(separator: ", "))); pass the checkpoint prefix explicitly"
        case .corruptIndex(let path, let reason):
            return "checkpoint index \(path) is corrupted (\(reason)); \(hint)"
        case .unsupportedCompression(let path, let type):
            return "checkpoint index \(path) has a block with compression type \(type), only uncompressed (0) is supported; re-save the checkpoint with TensorFlow or \(hint)"
        case .unsupportedFormat(let path, let reason):
            return "checkpoint \(path) is not supported (\(reason)); re-save it as a single-shard little-endian checkpoint or \(hint)"
        case .truncatedData(let path, let tensor, let needed, let available):
            return "checkpoint data \(path) is truncated: tensor '\(tensor)' needs bytes up to \(needed) but the file has \(available); \(hint)"
        case .checksumMismatch(let path, let tensor, let expected, let actual):
            return "checkpoint data \(path) is corrupted: CRC32C of tensor '\(tensor)' is \(hex(actual)), index says \(hex(expected)); \(hint)"
        case .tensorNotFound(let name, let path):
            return "no tensor '\(name)' in checkpoint \(path); list Checkpoint.variables for the available names"
        case .unsupportedDType(let name, let dtype, let path):
            return "tensor '\(name)' in \(path) has dtype \(dtype) (\(CheckpointEntry.dtypeName(dtype))), only DT_FLOAT (1) can be decoded"
        case .slicedTensor(let name, let path):
            return "tensor '\(name)' in \(path) is stored as slices of a partitioned variable, which is not supported; re-save it unpartitioned"
        }
    }
}

private func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
}
