/// Bounds-checked access to a FlatBuffers buffer (little-endian), enough to decode a schema by hand.
///
/// Layout reminders: a table at position `t` starts with an `int32` `s`; its vtable is at `t − s` and holds
/// `uint16` vtable size, `uint16` table size, then one `uint16` offset per field (0: field absent, use the default).
/// Reference fields (tables, vectors, strings) hold a `uint32` offset relative to the field's own position; a vector
/// starts with its `uint32` element count. Every read here checks that the bytes lie inside the buffer and throws
/// ``TFLiteError/malformed(_:)`` otherwise, so a hostile file cannot make the reader trap or read outside it.
public struct FlatBufferReader: Sendable {
    /// The whole file.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// A position in the buffer known to hold a table.
    public struct Table: Sendable, Equatable {
        public let position: Int
        let vtable: Int
        let vtableSize: Int
    }

    /// A vector: its element count and the position of element 0.
    public struct Vector: Sendable, Equatable {
        public let count: Int
        public let start: Int
    }

    func check(_ position: Int, _ size: Int, _ what: @autoclosure () -> String) throws {
        guard position >= 0, size >= 0, position <= bytes.count, size <= bytes.count - position else {
            throw TFLiteError.malformed("\(what()) at byte \(position) (+\(size)) lies outside the \(bytes.count)-byte file")
        }
    }

    /// Little-endian unsigned integer of `size` bytes at `position`.
    func unsigned(_ position: Int, _ size: Int, _ what: @autoclosure () -> String) throws -> UInt64 {
        try check(position, size, what())
        var v: UInt64 = 0
        for i in stride(from: size - 1, through: 0, by: -1) { v = v << 8 | UInt64(bytes[position + i]) }
        return v
    }

    public func uint8(_ p: Int) throws -> UInt8 { UInt8(try unsigned(p, 1, "uint8")) }
    public func uint16(_ p: Int) throws -> UInt16 { UInt16(try unsigned(p, 2, "uint16")) }
    public func uint32(_ p: Int) throws -> UInt32 { UInt32(try unsigned(p, 4, "uint32")) }
    public func int32(_ p: Int) throws -> Int32 { Int32(bitPattern: try uint32(p)) }
    public func uint64(_ p: Int) throws -> UInt64 { try unsigned(p, 8, "uint64") }
    public func int64(_ p: Int) throws -> Int64 { Int64(bitPattern: try uint64(p)) }
    public func float32(_ p: Int) throws -> Float { Float(bitPattern: try uint32(p)) }

    /// The root table (its offset is the file's first `uint32`).
    public func root() throws -> Table {
        try table(at: Int(try uint32(0)))
    }

    /// The table at absolute position `p`.
    public func table(at p: Int) throws -> Table {
        let s = Int(try int32(p))
        let vt = p - s
        try check(vt, 4, "vtable")
        let size = Int(try uint16(vt))
        guard size >= 4, size % 2 == 0 else { throw TFLiteError.malformed("vtable at byte \(vt) has size \(size)") }
        try check(vt, size, "vtable")
        let tableSize = Int(try uint16(vt + 2))
        try check(p, tableSize, "table")
        return Table(position: p, vtable: vt, vtableSize: size)
    }

    /// Absolute position of field `index` of `t`, or nil when the field is absent.
    public func field(_ t: Table, _ index: Int) throws -> Int? {
        let entry = 4 + 2 * index
        guard entry + 2 <= t.vtableSize else { return nil }
        let off = Int(try uint16(t.vtable + entry))
        return off == 0 ? nil : t.position + off
    }

    /// The position a reference field points to (`uint32` relative offset), or nil when absent.
    func reference(_ t: Table, _ index: Int) throws -> Int? {
        guard let p = try field(t, index) else { return nil }
        return p + Int(try uint32(p))
    }

    public func int8Field(_ t: Table, _ index: Int, default d: Int8 = 0) throws -> Int8 {
        guard let p = try field(t, index) else { return d }
        return Int8(bitPattern: try uint8(p))
    }
    public func uint8Field(_ t: Table, _ index: Int, default d: UInt8 = 0) throws -> UInt8 {
        guard let p = try field(t, index) else { return d }
        return try uint8(p)
    }
    public func boolField(_ t: Table, _ index: Int, default d: Bool = false) throws -> Bool {
        guard let p = try field(t, index) else { return d }
        return try uint8(p) != 0
    }
    public func int32Field(_ t: Table, _ index: Int, default d: Int32 = 0) throws -> Int32 {
        guard let p = try field(t, index) else { return d }
        return try int32(p)
    }
    public func uint32Field(_ t: Table, _ index: Int, default d: UInt32 = 0) throws -> UInt32 {
        guard let p = try field(t, index) else { return d }
        return try uint32(p)
    }
    public func uint64Field(_ t: Table, _ index: Int, default d: UInt64 = 0) throws -> UInt64 {
        guard let p = try field(t, index) else { return d }
        return try uint64(p)
    }

    /// The sub-table of field `index`, or nil when absent.
    public func tableField(_ t: Table, _ index: Int) throws -> Table? {
        guard let p = try reference(t, index) else { return nil }
        return try table(at: p)
    }

    /// The vector of field `index` with elements of `elementSize` bytes, or nil when absent.
    public func vectorField(_ t: Table, _ index: Int, elementSize: Int) throws -> Vector? {
        guard let p = try reference(t, index) else { return nil }
        let n = Int(try uint32(p))
        guard n <= bytes.count else { throw TFLiteError.malformed("vector at byte \(p) claims \(n) elements") }
        let (total, overflow) = n.multipliedReportingOverflow(by: elementSize)
        guard !overflow else { throw TFLiteError.malformed("vector at byte \(p) claims \(n) elements") }
        try check(p + 4, total, "vector of \(n) elements")
        return Vector(count: n, start: p + 4)
    }

    public func int32Vector(_ t: Table, _ index: Int) throws -> [Int32] {
        guard let v = try vectorField(t, index, elementSize: 4) else { return [] }
        return try (0..<v.count).map { try int32(v.start + 4 * $0) }
    }
    public func int64Vector(_ t: Table, _ index: Int) throws -> [Int64] {
        guard let v = try vectorField(t, index, elementSize: 8) else { return [] }
        return try (0..<v.count).map { try int64(v.start + 8 * $0) }
    }
    public func float32Vector(_ t: Table, _ index: Int) throws -> [Float] {
        guard let v = try vectorField(t, index, elementSize: 4) else { return [] }
        return try (0..<v.count).map { try float32(v.start + 4 * $0) }
    }

    /// The tables of a vector-of-tables field (empty when absent).
    public func tableVector(_ t: Table, _ index: Int) throws -> [Table] {
        guard let v = try vectorField(t, index, elementSize: 4) else { return [] }
        return try (0..<v.count).map { i in
            let p = v.start + 4 * i
            return try table(at: p + Int(try uint32(p)))
        }
    }

    /// The string of field `index` (UTF-8, invalid sequences repaired), or nil when absent.
    public func stringField(_ t: Table, _ index: Int) throws -> String? {
        guard let v = try vectorField(t, index, elementSize: 1) else { return nil }
        return String(decoding: bytes[v.start..<(v.start + v.count)], as: UTF8.self)
    }
}
