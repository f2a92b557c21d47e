import Foundation
import GenreKitCore

/// A TensorFlow Lite model file (`schema.fbs`), decoded by hand with ``FlatBufferReader``: the subset needed to run
/// a single-subgraph inference graph — operator codes, tensors (type, shape, buffer, quantization), buffers and
/// operators with their builtin options (kept as a table, read by the op that needs them).
///
/// Every offset and length is checked against the file; a damaged or hostile file throws ``TFLiteError`` and never
/// traps. Constant data is copied out of the file when a plan asks for it (``constantBytes(of:)``).
public struct TFLiteModelFile: Sendable {
    /// `schema.fbs` `TensorType` values this runtime knows.
    public enum ElementType: Int8, Sendable {
        case float32 = 0, float16 = 1, int32 = 2, uint8 = 3, int64 = 4, string = 5, bool = 6, int16 = 7,
             complex64 = 8, int8 = 9, float64 = 10
        /// Bytes per element (nil for strings).
        public var size: Int? {
            switch self {
            case .float32, .int32: return 4
            case .float16, .int16: return 2
            case .uint8, .int8, .bool: return 1
            case .int64, .float64, .complex64: return 8
            case .string: return nil
            }
        }
    }

    /// Affine quantization: `real = scale[c] · (q − zeroPoint[c])` along `quantizedDimension` (one entry: per tensor).
    public struct Quantization: Sendable, Equatable {
        public var scale: [Float]
        public var zeroPoint: [Int64]
        public var quantizedDimension: Int
    }

    public struct TensorInfo: Sendable {
        public var name: String
        public var shape: [Int]
        public var type: ElementType
        /// Index into ``buffers``; buffer 0 is the empty sentinel.
        public var buffer: Int
        public var quantization: Quantization?
        public var elementCount: Int { shape.reduce(1, *) }
    }

    public struct OperatorInfo: Sendable {
        /// `BuiltinOperator` value (the larger of `deprecated_builtin_code` and `builtin_code`, as TFLite reads it).
        public var builtinCode: Int32
        public var version: Int32
        public var customCode: String?
        /// Tensor indices; −1 marks an omitted optional input.
        public var inputs: [Int]
        public var outputs: [Int]
        /// `BuiltinOptions` union type and table (nil when the operator has none).
        public var optionsType: UInt8
        public var options: FlatBufferReader.Table?
    }

    /// A buffer's location in the file (`data` vector, or the `offset`/`size` pair of large models).
    public struct BufferRange: Sendable, Equatable {
        public var start: Int
        public var count: Int
    }

    public let reader: FlatBufferReader
    public let version: UInt32
    public let description: String?
    public let tensors: [TensorInfo]
    public let operators: [OperatorInfo]
    public let inputs: [Int]
    public let outputs: [Int]
    public let buffers: [BufferRange]

    /// Decodes `bytes` (the whole file).
    public init(bytes: [UInt8]) throws {
        guard bytes.count >= 8 else { throw TFLiteError.malformed("file of \(bytes.count) bytes is too short") }
        let r = FlatBufferReader(bytes: bytes)
        reader = r
        // File identifier "TFL3" at bytes 4..<8.
        guard bytes[4] == 0x54, bytes[5] == 0x46, bytes[6] == 0x4C, bytes[7] == 0x33 else {
            throw TFLiteError.malformed("missing the TFL3 file identifier (not a TensorFlow Lite model)")
        }
        let model = try r.root()
        version = try r.uint32Field(model, 0)
        description = try r.stringField(model, 3)

        var codes: [(Int32, Int32, String?)] = []
        for oc in try r.tableVector(model, 1) {
            let deprecated = Int32(try r.int8Field(oc, 0))
            let code = try r.int32Field(oc, 3)
            codes.append((max(deprecated, code), try r.int32Field(oc, 2, default: 1), try r.stringField(oc, 1)))
        }

        var bufs: [BufferRange] = []
        for b in try r.tableVector(model, 4) {
            if let v = try r.vectorField(b, 0, elementSize: 1) {
                bufs.append(BufferRange(start: v.start, count: v.count))
            } else {
                let offset = try r.uint64Field(b, 1), size = try r.uint64Field(b, 2)
                guard offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - offset, offset > 1 || size == 0 else {
                    throw TFLiteError.malformed("buffer \(bufs.count) (offset \(offset), size \(size)) lies outside the file")
                }
                bufs.append(BufferRange(start: Int(offset), count: Int(size)))
            }
        }
        buffers = bufs

        let subgraphs = try r.tableVector(model, 2)
        guard subgraphs.count == 1 else {
            throw TFLiteError.unsupported("\(subgraphs.count) subgraphs (only single-subgraph models run here)")
        }
        let g = subgraphs[0]
        var ts: [TensorInfo] = []
        for t in try r.tableVector(g, 0) {
            let shape = try r.int32Vector(t, 0).map(Int.init)
            guard shape.allSatisfy({ $0 >= 0 }), shape.count <= 8 else {
                throw TFLiteError.malformed("tensor \(ts.count) has shape \(shape)")
            }
            var count = 1
            for d in shape {
                let (c, o) = count.multipliedReportingOverflow(by: d)
                guard !o, c <= 1 << 26 else { throw TFLiteError.malformed("tensor \(ts.count) has shape \(shape)") }
                count = c
            }
            let rawType = try r.int8Field(t, 1)
            guard let type = ElementType(rawValue: rawType) else {
                throw TFLiteError.unsupported("tensor \(ts.count) has element type \(rawType)")
            }
            let buffer = Int(try r.uint32Field(t, 2))
            guard buffer < bufs.count else { throw TFLiteError.malformed("tensor \(ts.count) names buffer \(buffer) of \(bufs.count)") }
            var q: Quantization?
            if let qt = try r.tableField(t, 4) {
                let scale = try r.float32Vector(qt, 2)
                if !scale.isEmpty {
                    q = Quantization(scale: scale, zeroPoint: try r.int64Vector(qt, 3),
                                     quantizedDimension: Int(try r.int32Field(qt, 6)))
                }
            }
            ts.append(TensorInfo(name: try r.stringField(t, 3) ?? "", shape: shape, type: type, buffer: buffer, quantization: q))
        }
        tensors = ts

        func indices(_ v: [Int32], optional: Bool, _ what: String) throws -> [Int] {
            try v.map { i in
                guard (i >= 0 && Int(i) < ts.count) || (optional && i == -1) else {
                    throw TFLiteError.malformed("\(what) names tensor \(i) of \(ts.count)")
                }
                return Int(i)
            }
        }
        inputs = try indices(try r.int32Vector(g, 1), optional: false, "subgraph input")
        outputs = try indices(try r.int32Vector(g, 2), optional: false, "subgraph output")
        var ops: [OperatorInfo] = []
        for o in try r.tableVector(g, 3) {
            let n = ops.count
            let code = Int(try r.uint32Field(o, 0))
            guard code < codes.count else { throw TFLiteError.malformed("operator \(n) uses operator code \(code) of \(codes.count)") }
            ops.append(OperatorInfo(
                builtinCode: codes[code].0, version: codes[code].1, customCode: codes[code].2,
                inputs: try indices(try r.int32Vector(o, 1), optional: true, "operator \(n) input"),
                outputs: try indices(try r.int32Vector(o, 2), optional: false, "operator \(n) output"),
                optionsType: try r.uint8Field(o, 3), options: try r.tableField(o, 4)))
        }
        operators = ops
    }

    /// Reads and decodes the file at `path`; when `knownSHA256` is given the file's digest must equal it.
    public init(contentsOf path: String, knownSHA256: (name: String, hex: String)? = nil) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TFLiteError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "read failed" : "no such file")
        }
        if let known = knownSHA256 {
            let found = SHA256Hash.hex(of: data)
            guard found == known.hex else {
                throw TFLiteError.checksumMismatch(name: known.name, expected: known.hex, found: found)
            }
        }
        try self.init(bytes: [UInt8](data))
    }

    /// The raw bytes of tensor `index`'s constant buffer, checked to hold exactly its elements (nil: not a constant).
    public func constantBytes(of index: Int) throws -> ArraySlice<UInt8>? {
        let t = tensors[index]
        let b = buffers[t.buffer]
        if t.buffer == 0 || b.count == 0 { return nil }
        guard let size = t.type.size else { throw TFLiteError.unsupported("string constant \(t.name)") }
        guard b.count == t.elementCount * size else {
            throw TFLiteError.malformed("tensor \(t.name) \(t.shape) needs \(t.elementCount * size) bytes, its buffer holds \(b.count)")
        }
        return reader.bytes[b.start..<(b.start + b.count)]
    }

    /// A constant float32 tensor's values.
    public func floatConstant(_ index: Int) throws -> [Float] {
        try typedConstant(index, .float32, as: UInt32.self).map { Float(bitPattern: UInt32(littleEndian: $0)) }
    }

    /// A constant int32 tensor's values.
    public func int32Constant(_ index: Int) throws -> [Int32] {
        try typedConstant(index, .int32, as: Int32.self).map { Int32(littleEndian: $0) }
    }

    /// A constant int8 tensor's values.
    public func int8Constant(_ index: Int) throws -> [Int8] {
        try typedConstant(index, .int8, as: Int8.self)
    }

    /// The constant's elements, loaded from the (possibly unaligned) file bytes.
    func typedConstant<T: FixedWidthInteger>(_ index: Int, _ type: ElementType, as: T.Type) throws -> [T] {
        let t = tensors[index]
        guard t.type == type else { throw TFLiteError.unsupported("tensor \(t.name) is \(t.type), expected \(type)") }
        guard let bytes = try constantBytes(of: index) else {
            throw TFLiteError.unsupported("tensor \(t.name) must be a constant")
        }
        let n = t.elementCount
        return [T](unsafeUninitializedCapacity: n) { out, initialized in
            bytes.withUnsafeBytes { raw in
                for i in 0..<n { out[i] = raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self) }
            }
            initialized = n
        }
    }
}
