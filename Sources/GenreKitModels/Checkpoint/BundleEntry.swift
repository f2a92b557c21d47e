/// `tensorflow.BundleHeaderProto`: the value stored under the empty key of a
/// tensor-bundle index.
struct BundleHeader: Equatable {
    /// Number of `.data-XXXXX-of-NNNNN` shards.
    var numShards: Int = 0
    /// 0 = little-endian, 1 = big-endian.
    var endianness: Int = 0
    /// `VersionDef.producer`.
    var producer: Int = 0

    init(numShards: Int = 0, endianness: Int = 0, producer: Int = 0) {
        self.numShards = numShards
        self.endianness = endianness
        self.producer = producer
    }

    /// Decodes `num_shards = 1`, `endianness = 2`, `version = 3 { producer = 1 }`.
    init(protobuf bytes: ArraySlice<UInt8>) throws(ProtobufReader.DecodeError) {
        var reader = ProtobufReader(bytes)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: numShards = try nonNegativeInt(value, "num_shards")
            case 2: endianness = try nonNegativeInt(value, "endianness")
            case 3:
                guard let sub = value.bytes else { throw .init(message: "version is not a message") }
                var v = ProtobufReader(sub)
                while let (f, val) = try v.next() { if f == 1 { producer = try nonNegativeInt(val, "producer") } }
            default: break
            }
        }
    }
}

/// `tensorflow.BundleEntryProto`: where one tensor lives in the data shards.
struct BundleEntry: Equatable {
    /// `DataType` enum value (1 = DT_FLOAT).
    var dtype: Int = 0
    /// Dimensions from `TensorShapeProto`; empty for a scalar.
    var shape: [Int] = []
    var shardID: Int = 0
    var offset: Int = 0
    var size: Int = 0
    /// Masked CRC32C of the tensor bytes, as stored.
    var maskedCRC32C: UInt32 = 0
    /// True when the entry has `slices` (a partitioned variable).
    var hasSlices = false

    init() {}

    /// Decodes dtype = 1, shape = 2 { dim = 2 { size = 1 } }, shard_id = 3,
    /// offset = 4, size = 5, crc32c = 6 (fixed32), slices = 7.
    init(protobuf bytes: ArraySlice<UInt8>) throws(ProtobufReader.DecodeError) {
        var reader = ProtobufReader(bytes)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: dtype = try nonNegativeInt(value, "dtype")
            case 2:
                guard let sub = value.bytes else { throw .init(message: "shape is not a message") }
                shape = try Self.decodeShape(sub)
            case 3: shardID = try nonNegativeInt(value, "shard_id")
            case 4: offset = try nonNegativeInt(value, "offset")
            case 5: size = try nonNegativeInt(value, "size")
            case 6:
                guard case .fixed32(let c) = value else { throw .init(message: "crc32c is not fixed32") }
                maskedCRC32C = c
            case 7: hasSlices = true
            default: break
            }
        }
    }

    private static func decodeShape(_ bytes: ArraySlice<UInt8>) throws(ProtobufReader.DecodeError) -> [Int] {
        var dims: [Int] = []
        var reader = ProtobufReader(bytes)
        while let (field, value) = try reader.next() {
            switch field {
            case 2:
                guard let dimBytes = value.bytes else { throw .init(message: "dim is not a message") }
                var size = 0
                var dim = ProtobufReader(dimBytes)
                while let (f, v) = try dim.next() { if f == 1 { size = try nonNegativeInt(v, "dim.size") } }
                dims.append(size)
            case 3:
                if value.integer != 0 { throw .init(message: "tensor shape has unknown rank") }
            default: break
            }
        }
        return dims
    }
}

/// A non-negative integer field (int32/int64/enum), rejecting negative or absurd values.
private func nonNegativeInt(_ value: ProtobufReader.Value, _ name: String) throws(ProtobufReader.DecodeError) -> Int {
    guard let v = value.integer else { throw .init(message: "\(name) is not an integer") }
    guard v <= UInt64(Int32.max) * 1024 else { throw .init(message: "\(name) out of range (\(Int64(bitPattern: v)))") }
    return Int(v)
}
