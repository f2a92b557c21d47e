import Foundation

/// One float tensor read from a checkpoint.
public struct CheckpointTensor: Sendable {
    /// Variable name, e.g. `conv2d/kernel`.
    public let name: String
    /// Dimensions in TensorFlow order (conv kernels are `[h, w, in, out]`,
    /// dense kernels `[in, out]`); empty for a scalar.
    public let shape: [Int]
    /// Row-major (C order) values; `values.count` is the product of `shape`.
    public let values: [Float]

    /// Creates a tensor; `values.count` should equal the product of `shape`.
    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// What the index says about one tensor, without reading its data.
public struct CheckpointEntry: Sendable, Equatable {
    /// Tensor name, e.g. `conv2d/kernel` or `conv2d/kernel/Adam`.
    public let name: String
    /// TensorFlow `DataType` enum value: 1 = DT_FLOAT, 2 = DT_DOUBLE, 3 = DT_INT32, 9 = DT_INT64, …
    public let dtype: Int
    /// Dimensions; empty for a scalar.
    public let shape: [Int]
    /// Size of the tensor's bytes in the data file.
    public let byteCount: Int

    /// Creates an entry.
    public init(name: String, dtype: Int, shape: [Int], byteCount: Int) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.byteCount = byteCount
    }

    /// Number of elements (product of `shape`; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The TensorFlow name of ``dtype``, e.g. `DT_FLOAT`.
    public var dtypeName: String { Self.dtypeName(dtype) }

    /// The TensorFlow name of a `DataType` value, or `DT_<n>` for ones not listed.
    public static func dtypeName(_ dtype: Int) -> String {
        let names = [1: "DT_FLOAT", 2: "DT_DOUBLE", 3: "DT_INT32", 4: "DT_UINT8", 5: "DT_INT16",
                     6: "DT_INT8", 7: "DT_STRING", 8: "DT_COMPLEX64", 9: "DT_INT64", 10: "DT_BOOL",
                     14: "DT_BFLOAT16", 17: "DT_UINT16", 18: "DT_COMPLEX128", 19: "DT_HALF",
                     20: "DT_RESOURCE", 21: "DT_VARIANT", 22: "DT_UINT32", 23: "DT_UINT64"]
        return names[dtype] ?? "DT_\(dtype)"
    }
}

/// A TensorFlow 1 checkpoint (tensor-bundle format: `<prefix>.index` +
/// `<prefix>.data-00000-of-00001`), read without TensorFlow.
///
/// The index (a LevelDB-format table) is parsed and every block checksum is
/// verified when the checkpoint is opened; the data file is mapped into memory
/// (pages are read when a tensor is) and its length checked against the index. ``tensor(_:)`` verifies each
/// tensor's CRC32C before decoding it. Only little-endian, single-shard,
/// unpartitioned bundles are supported.
public struct Checkpoint: Sendable {
    /// The path prefix the files are named after.
    public let prefix: String
    /// `<prefix>.index`.
    public let indexPath: String
    /// `<prefix>.data-00000-of-00001`.
    public let dataPath: String
    /// All tensors in the checkpoint, optimizer slots included, sorted by name.
    public let entries: [CheckpointEntry]

    private let records: [String: BundleEntry]
    private let data: Data

    /// Opens the checkpoint whose files are `<prefix>.index` and `<prefix>.data-00000-of-00001`.
    ///
    /// - Parameter prefix: the path prefix of the checkpoint files; musicnn's checkpoints
    ///   live in a folder with files named `.index` and `.data-00000-of-00001`, so the
    ///   prefix is "<folder>/" (the empty basename).
    /// - Throws: ``CheckpointError`` when a file is missing, truncated or corrupted.
    public init(prefix: String) throws(CheckpointError) {
        self.prefix = prefix
        indexPath = prefix + ".index"
        let indexBytes = [UInt8](try Self.readFile(indexPath))
        let index = try BundleIndex(bytes: indexBytes, path: indexPath)
        dataPath = prefix + ".data-" + Self.shardSuffix(0, of: index.header.numShards)
        data = try Self.readFile(dataPath, mapped: true)

        var records: [String: BundleEntry] = [:]
        var entries: [CheckpointEntry] = []
        for (name, e) in index.entries {
            let end = e.offset.addingReportingOverflow(e.size)
            guard !end.overflow, end.partialValue <= data.count else {
                throw .truncatedData(path: dataPath, tensor: name, needed: e.offset + e.size, available: data.count)
            }
            records[name] = e
            entries.append(CheckpointEntry(name: name, dtype: e.dtype, shape: e.shape, byteCount: e.size))
        }
        self.records = records
        self.entries = entries.sorted { $0.name < $1.name }
    }

    /// Opens the single checkpoint in `directory` (the folder holding exactly one `*.index` file).
    ///
    /// - Throws: ``CheckpointError/noIndexFile(directory:)`` or
    ///   ``CheckpointError/multipleIndexFiles(directory:names:)``, or any error of ``init(prefix:)``.
    public init(directory: String) throws(CheckpointError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .missingFile(path: directory)
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw .unreadableFile(path: directory, reason: error.localizedDescription)
        }
        let indexes = names.filter { $0.hasSuffix(".index") }.sorted()
        guard !indexes.isEmpty else { throw .noIndexFile(directory: directory) }
        guard indexes.count == 1 else { throw .multipleIndexFiles(directory: directory, names: indexes) }
        let folder = directory.hasSuffix("/") ? directory : directory + "/"
        try self.init(prefix: folder + String(indexes[0].dropLast(".index".count)))
    }

    /// Model variables: ``entries`` without Adam optimizer slots (`…/Adam`, `…/Adam_1`),
    /// `beta1_power`, `beta2_power` and `global_step`.
    public var variables: [CheckpointEntry] { variables(includingGlobalStep: false) }

    /// Model variables, optionally keeping `global_step`.
    public func variables(includingGlobalStep: Bool) -> [CheckpointEntry] {
        entries.filter { !Self.isTrainingState($0.name, includingGlobalStep: includingGlobalStep) }
    }

    /// True for optimizer slots and training counters that are not model weights.
    public static func isTrainingState(_ name: String, includingGlobalStep: Bool = false) -> Bool {
        if name.contains("/Adam") { return true }
        let last = name.split(separator: "/").last.map(String.init) ?? name
        if last == "beta1_power" || last == "beta2_power" { return true }
        return !includingGlobalStep && last == "global_step"
    }

    /// The entry named `name`, if any.
    public func entry(_ name: String) -> CheckpointEntry? {
        guard let e = records[name] else { return nil }
        return CheckpointEntry(name: name, dtype: e.dtype, shape: e.shape, byteCount: e.size)
    }

    /// Reads a DT_FLOAT tensor after checking its CRC32C against the index.
    ///
    /// - Throws: ``CheckpointError/tensorNotFound(name:path:)``,
    ///   ``CheckpointError/checksumMismatch(path:tensor:expected:actual:)``,
    ///   ``CheckpointError/unsupportedDType(name:dtype:path:)`` or
    ///   ``CheckpointError/slicedTensor(name:path:)``.
    public func tensor(_ name: String) throws(CheckpointError) -> CheckpointTensor {
        guard let e = records[name] else { throw .tensorNotFound(name: name, path: indexPath) }
        try verify(name, e)
        guard e.dtype == 1 else { throw .unsupportedDType(name: name, dtype: e.dtype, path: indexPath) }
        let count = e.shape.reduce(1, *)
        guard count * MemoryLayout<Float>.size == e.size else {
            throw .corruptIndex(path: indexPath, reason: "tensor '\(name)' has shape \(e.shape) but \(e.size) bytes")
        }
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            data.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: raw[e.offset..<(e.offset + e.size)]))
            }
            #if _endian(big)
            for i in 0..<count { buffer[i] = Float(bitPattern: UInt32(littleEndian: buffer[i].bitPattern)) }
            #endif
            initialized = count
        }
        return CheckpointTensor(name: name, shape: e.shape, values: values)
    }

    /// Checks the CRC32C of every tensor (any dtype) without decoding it.
    public func verifyAll() throws(CheckpointError) {
        for entry in entries { try verify(entry.name, records[entry.name]!) }
    }

    private func verify(_ name: String, _ e: BundleEntry) throws(CheckpointError) {
        guard !e.hasSlices else { throw .slicedTensor(name: name, path: indexPath) }
        let actual = data.withUnsafeBytes { raw in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[e.offset..<(e.offset + e.size)]))
        }
        let expected = CRC32C.unmask(e.maskedCRC32C)
        guard actual == expected else {
            throw .checksumMismatch(path: dataPath, tensor: name, expected: expected, actual: actual)
        }
    }

    /// The file's bytes; `mapped`: mapped into memory instead of copied, so only the pages of tensors that are read
    /// (a model's weights, not its optimizer slots, which are two thirds of a musicnn data file) are ever loaded.
    private static func readFile(_ path: String, mapped: Bool = false) throws(CheckpointError) -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
        do { return try Data(contentsOf: URL(fileURLWithPath: path), options: mapped ? .alwaysMapped : []) } catch {
            throw .unreadableFile(path: path, reason: error.localizedDescription)
        }
    }

    /// `00000-of-00001` for shard 0 of 1.
    static func shardSuffix(_ shard: Int, of count: Int) -> String {
        func pad(_ n: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, 5 - s.count)) + s
        }
        return pad(shard) + "-of-" + pad(count)
    }
}
