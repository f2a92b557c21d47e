/// A minimal protocol-buffers wire-format decoder: varint, fixed32, fixed64
/// and length-delimited fields; groups are rejected. Enough for
/// `BundleEntryProto` and `BundleHeaderProto`.
struct ProtobufReader {
    /// Wire types of the protobuf encoding.
    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
    }

    /// One decoded field: its number and its payload.
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes(ArraySlice<UInt8>)
    }

    /// Why a message could not be decoded.
    struct DecodeError: Error, Equatable, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    init(_ bytes: [UInt8]) { self.init(bytes[...]) }

    var isAtEnd: Bool { position >= bytes.endIndex }

    /// Decodes a base-128 varint (at most 10 bytes) starting at `position` in `bytes`.
    static func readVarint(_ bytes: ArraySlice<UInt8>, _ position: inout Int) throws(DecodeError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.endIndex else { throw DecodeError(message: "truncated varint") }
            let b = bytes[position]
            position += 1
            if shift == 63 && b > 1 { throw DecodeError(message: "varint overflows 64 bits") }
            result |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw DecodeError(message: "varint longer than 10 bytes") }
        }
    }

    /// Reads the next field, or returns nil at the end of the message.
    mutating func next() throws(DecodeError) -> (field: UInt64, value: Value)? {
        if isAtEnd { return nil }
        let key = try Self.readVarint(bytes, &position)
        let field = key >> 3
        guard field != 0 else { throw DecodeError(message: "field number 0") }
        guard let wire = WireType(rawValue: UInt8(key & 7)) else {
            throw DecodeError(message: "invalid wire type \(key & 7)")
        }
        switch wire {
        case .varint:
            return (field, .varint(try Self.readVarint(bytes, &position)))
        case .fixed64:
            return (field, .fixed64(try readLittleEndian(8)))
        case .fixed32:
            return (field, .fixed32(UInt32(try readLittleEndian(4))))
        case .lengthDelimited:
            let length = try Self.readVarint(bytes, &position)
            guard length <= UInt64(bytes.endIndex - position) else {
                throw DecodeError(message: "length-delimited field runs past the end")
            }
            let start = position
            position += Int(length)
            return (field, .bytes(bytes[start..<position]))
        case .startGroup, .endGroup:
            throw DecodeError(message: "groups are not supported")
        }
    }

    private mutating func readLittleEndian(_ n: Int) throws(DecodeError) -> UInt64 {
        guard bytes.endIndex - position >= n else { throw DecodeError(message: "truncated fixed\(n * 8) field") }
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += n
        return v
    }
}

extension ProtobufReader.Value {
    /// The payload as an unsigned integer (varint or fixed), if it is one.
    var integer: UInt64? {
        switch self {
        case .varint(let v), .fixed64(let v): return v
        case .fixed32(let v): return UInt64(v)
        case .bytes: return nil
        }
    }

    /// The payload of a length-delimited field.
    var bytes: ArraySlice<UInt8>? {
        if case .bytes(let b) = self { return b }
        return nil
    }
}
