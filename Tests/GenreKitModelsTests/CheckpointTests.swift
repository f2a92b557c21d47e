import Foundation
import XCTest
@testable import GenreKitModels

final class CheckpointTests: XCTestCase {
    // MARK: - Helpers

    /// The folder of a real musicnn checkpoint, or XCTSkip when the model cache is absent
    /// (a failure instead when GENREKIT_REQUIRE_MODELS=1, as on CI).
    private func modelDirectory(_ name: String) throws -> String {
        let store = ModelStore()
        do {
            return try store.checkpointDirectory(for: name)
        } catch {
            if ProcessInfo.processInfo.environment["GENREKIT_REQUIRE_MODELS"] == "1" {
                XCTFail("GENREKIT_REQUIRE_MODELS=1 but \(error)")
                throw error
            }
            throw XCTSkip("model cache absent (\(error))")
        }
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("genrekit-ckpt-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Copies `.index` and `.data-00000-of-00001` of a checkpoint folder to a fresh temp folder.
    private func copyCheckpoint(from directory: String) throws -> URL {
        let dest = try temporaryDirectory()
        for name in [".index", ".data-00000-of-00001"] {
            try FileManager.default.copyItem(atPath: directory + "/" + name,
                                             toPath: dest.appendingPathComponent(name).path)
        }
        return dest
    }

    private func fixtureDirectory() throws -> URL {
        let dir = try temporaryDirectory().appendingPathComponent("tiny")
        try CheckpointFixture.write(to: dir)
        return dir
    }

    private func expectError(_ body: () throws -> Void, file: StaticString = #filePath,
                             line: UInt = #line, _ check: (CheckpointError) -> Bool) {
        do {
            try body()
            XCTFail("expected a CheckpointError", file: file, line: line)
        } catch let error as CheckpointError {
            XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), file: file, line: line)
        } catch {
            XCTFail("not a CheckpointError: \(error)", file: file, line: line)
        }
    }

    private func sum(_ values: [Float]) -> Double { values.reduce(0) { $0 + Double($1) } }

    // MARK: - CRC32C

    func testCRC32CKnownVectors() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        // RFC 3720 (iSCSI) B.4 test vectors.
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xff, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }), 0x113F_DB5C)
    }

    func testCRC32CSlicingMatchesBytewiseAndIsIncremental() {
        var bytes = [UInt8](repeating: 0, count: 1000)
        var x: UInt32 = 12345
        for i in bytes.indices { x = x &* 1_103_515_245 &+ 12345; bytes[i] = UInt8(truncatingIfNeeded: x >> 16) }
        func bytewise(_ b: ArraySlice<UInt8>) -> UInt32 {
            var c: UInt32 = ~0
            for byte in b {
                c ^= UInt32(byte)
                for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            }
            return ~c
        }
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 999, 1000] {
            XCTAssertEqual(CRC32C.checksum(bytes[..<length]), bytewise(bytes[..<length]), "length \(length)")
        }
        bytes.withUnsafeBytes { raw in
            let split = UnsafeRawBufferPointer(rebasing: raw[..<333])
            let rest = UnsafeRawBufferPointer(rebasing: raw[333...])
            XCTAssertEqual(CRC32C.update(CRC32C.checksum(split), rest), CRC32C.checksum(raw))
        }
    }

    func testCRC32CMask() {
        let crc: UInt32 = 0xE306_9283
        XCTAssertEqual(CRC32C.mask(crc), ((crc >> 15) | (crc << 17)) &+ 0xa282_ead8)
        XCTAssertEqual(CRC32C.unmask(CRC32C.mask(crc)), crc)
        XCTAssertEqual(CRC32C.mask(0), 0xa282_ead8)
    }

    // MARK: - Protobuf

    func testVarintDecoding() throws {
        let cases: [([UInt8], UInt64)] = [
            ([0x00], 0), ([0x01], 1), ([0x7f], 127), ([0x80, 0x01], 128), ([0xac, 0x02], 300),
            ([0xff, 0xff, 0xff, 0xff, 0x0f], 0xffff_ffff),
            ([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], UInt64.max),
        ]
        for (bytes, expected) in cases {
            var p = 0
            XCTAssertEqual(try ProtobufReader.readVarint(bytes[...], &p), expected)
            XCTAssertEqual(p, bytes.count)
        }
        var p = 0
        XCTAssertThrowsError(try ProtobufReader.readVarint([0x80, 0x80][...], &p))  // truncated
        p = 0
        XCTAssertThrowsError(try ProtobufReader.readVarint([UInt8](repeating: 0xff, count: 11)[...], &p))
    }

    func testProtobufFields() throws {
        // field 1 varint 150, field 6 fixed32, field 2 bytes "ab", field 9 fixed64, field 3 varint -1 (int64).
        let bytes: [UInt8] = [0x08, 0x96, 0x01,
                              0x35, 0x78, 0x56, 0x34, 0x12,
                              0x12, 0x02, 0x61, 0x62,
                              0x49, 1, 2, 3, 4, 5, 6, 7, 8,
                              0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        var reader = ProtobufReader(bytes)
        var fields: [(UInt64, ProtobufReader.Value)] = []
        while let f = try reader.next() { fields.append(f) }
        XCTAssertEqual(fields.map(\.0), [1, 6, 2, 9, 3])
        XCTAssertEqual(fields[0].1.integer, 150)
        guard case .fixed32(0x1234_5678) = fields[1].1 else { return XCTFail("fixed32") }
        XCTAssertEqual(fields[2].1.bytes.map(Array.init), [0x61, 0x62])
        guard case .fixed64(0x0807_0605_0403_0201) = fields[3].1 else { return XCTFail("fixed64") }
        XCTAssertEqual(fields[4].1.integer.map { Int64(bitPattern: $0) }, -1)

        var bad = ProtobufReader([0x12, 0x05, 0x61])  // length past the end
        XCTAssertThrowsError(try bad.next())
        var group = ProtobufReader([0x0b])  // start group
        XCTAssertThrowsError(try group.next())
    }

    func testBundleEntryDecoding() throws {
        // dtype=1, shape{dim{size=7} dim{size=38}}, shard_id=0, offset=300, size=1064, crc32c=0xdeadbeef
        let bytes: [UInt8] = [0x08, 0x01,
                              0x12, 0x08, 0x12, 0x02, 0x08, 0x07, 0x12, 0x02, 0x08, 0x26,
                              0x20, 0xac, 0x02, 0x28, 0xa8, 0x08,
                              0x35, 0xef, 0xbe, 0xad, 0xde]
        let e = try BundleEntry(protobuf: bytes[...])
        XCTAssertEqual(e.dtype, 1)
        XCTAssertEqual(e.shape, [7, 38])
        XCTAssertEqual(e.offset, 300)
        XCTAssertEqual(e.size, 1064)
        XCTAssertEqual(e.maskedCRC32C, 0xdead_beef)
        XCTAssertFalse(e.hasSlices)
        let header = try BundleHeader(protobuf: [0x08, 0x01, 0x1a, 0x02, 0x08, 0x01][...])
        XCTAssertEqual(header, BundleHeader(numShards: 1, endianness: 0, producer: 1))
    }

    // MARK: - Small TensorFlow-written fixture

    func testFixtureCheckpoint() throws {
        let dir = try fixtureDirectory()
        let ckpt = try Checkpoint(directory: dir.path)
        XCTAssertEqual(ckpt.entries.map(\.name), [
            "beta1_power", "beta2_power", "counts", "dense/bias", "dense/kernel",
            "dense/kernel/Adam", "dense/kernel/Adam_1", "global_step", "scalar", "scale",
        ])
        XCTAssertEqual(ckpt.variables.map(\.name), ["counts", "dense/bias", "dense/kernel", "scalar", "scale"])
        XCTAssertEqual(ckpt.variables(includingGlobalStep: true).map(\.name),
                       ["counts", "dense/bias", "dense/kernel", "global_step", "scalar", "scale"])
        XCTAssertEqual(ckpt.entry("counts"), CheckpointEntry(name: "counts", dtype: 3, shape: [4], byteCount: 16))
        XCTAssertEqual(ckpt.entry("global_step")?.dtypeName, "DT_INT64")
        XCTAssertEqual(ckpt.entry("scale")?.dtype, 2)

        let kernel = try ckpt.tensor("dense/kernel")
        XCTAssertEqual(kernel.shape, [2, 3])
        XCTAssertEqual(kernel.values, [-1, -0.5, 0, 0.5, 1, 1.5])
        XCTAssertEqual(try ckpt.tensor("dense/bias").values, [0.25, -2, 3.5])
        let scalar = try ckpt.tensor("scalar")
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.values, [7])
        XCTAssertEqual(try ckpt.tensor("beta1_power").values, [0.9])
        try ckpt.verifyAll()

        // Same through the prefix initializer.
        XCTAssertEqual(try Checkpoint(prefix: dir.path + "/").entries, ckpt.entries)

        expectError({ _ = try ckpt.tensor("counts") }) {
            if case .unsupportedDType("counts", 3, _) = $0 { return true } else { return false }
        }
        expectError({ _ = try ckpt.tensor("nope") }) {
            if case .tensorNotFound("nope", _) = $0 { return true } else { return false }
        }
    }

    /// Every single-byte change anywhere in an index file is rejected.
    func testEveryIndexByteFlipIsDetected() throws {
        let index = [UInt8](CheckpointFixture.index)
        XCTAssertNoThrow(try BundleIndex(bytes: index, path: "x.index"))
        for i in index.indices {
            var damaged = index
            damaged[i] ^= 0x20
            XCTAssertThrowsError(try BundleIndex(bytes: damaged, path: "x.index"), "flip at \(i) not detected")
        }
        for length in [0, 10, 47, 48, index.count - 1] {
            XCTAssertThrowsError(try BundleIndex(bytes: Array(index[..<length]), path: "x.index"), "length \(length)")
        }
    }

    /// Patches the fixture's single data block (which starts at 0) and re-seals it with a valid CRC.
    private func resealedFixtureIndex(compression: UInt8 = 0, patch: (inout [UInt8]) -> Void = { _ in }) throws -> [UInt8] {
        var index = [UInt8](CheckpointFixture.index)
        var p = index.count - SSTable.footerLength
        let metaindex = try SSTable.readHandle(index[...], &p)
        let blockEnd = metaindex.offset - SSTable.blockTrailerLength
        patch(&index)
        index[blockEnd] = compression
        let crc = index.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0...blockEnd])) }
        let masked = CRC32C.mask(crc)
        for k in 0..<4 { index[blockEnd + 1 + k] = UInt8(truncatingIfNeeded: masked >> (8 * UInt32(k))) }
        return index
    }

    func testCompressedBlockIsRefused() throws {
        XCTAssertNoThrow(try BundleIndex(bytes: try resealedFixtureIndex(), path: "x.index"))
        expectError({ _ = try BundleIndex(bytes: try! resealedFixtureIndex(compression: 1), path: "x.index") }) {
            guard case .unsupportedCompression("x.index", 1) = $0 else { return false }
            return $0.description.contains("compression type 1")
        }
    }

    func testMultiShardHeaderIsRefused() throws {
        // The header is the first entry: 00 00 06 | 08 01 1a 02 08 01 -> num_shards at byte 4.
        XCTAssertEqual(Array(CheckpointFixture.index[0..<5]), [0, 0, 6, 0x08, 0x01])
        let index = try resealedFixtureIndex { $0[4] = 2 }
        expectError({ _ = try BundleIndex(bytes: index, path: "x.index") }) {
            if case .unsupportedFormat = $0 { return true } else { return false }
        }
    }

    func testMissingFilesAndDirectories() throws {
        let dir = try temporaryDirectory()
        expectError({ _ = try Checkpoint(directory: dir.path) }) {
            $0 == .noIndexFile(directory: dir.path) && $0.description.contains("scripts/setup.sh")
        }
        expectError({ _ = try Checkpoint(directory: dir.path + "/absent") }) {
            if case .missingFile = $0 { return true } else { return false }
        }
        try CheckpointFixture.index.write(to: dir.appendingPathComponent(".index"))
        expectError({ _ = try Checkpoint(prefix: dir.path + "/") }) {
            $0 == .missingFile(path: dir.path + "/.data-00000-of-00001")
        }
        try CheckpointFixture.index.write(to: dir.appendingPathComponent("other.index"))
        expectError({ _ = try Checkpoint(directory: dir.path) }) {
            $0 == .multipleIndexFiles(directory: dir.path, names: [".index", "other.index"])
        }
    }

    // MARK: - Real musicnn checkpoints

    private static let references: [(model: String, count: Int, variables: Int, tensor: String, shape: [Int], sum: Double)] = [
        ("MTT_musicnn", 150, 64, "dense/kernel", [1506, 200], -127.5741082148517),
        ("MSD_musicnn", 150, 64, "conv2d/kernel", [7, 38, 1, 204], 10.3442632442473),
        ("MTT_vgg", 86, 36, "2CNN/kernel", [3, 3, 128, 128], -320.94135924477655),
        ("MSD_vgg", 86, 36, "dense/bias", [50], -191.81635522842407),
    ]

    func testRealCheckpoints() throws {
        for ref in Self.references {
            let ckpt = try Checkpoint(directory: try modelDirectory(ref.model))
            XCTAssertEqual(ckpt.entries.count, ref.count, ref.model)
            XCTAssertEqual(ckpt.variables.count, ref.variables, ref.model)
            XCTAssertTrue(ckpt.variables.allSatisfy { $0.dtype == 1 && !$0.name.contains("Adam") }, ref.model)
            let t = try ckpt.tensor(ref.tensor)
            XCTAssertEqual(t.shape, ref.shape, ref.model)
            XCTAssertEqual(t.values.count, ref.shape.reduce(1, *))
            XCTAssertEqual(sum(t.values), ref.sum, accuracy: 1e-9 * max(1, abs(ref.sum)), "\(ref.model) \(ref.tensor)")
            try ckpt.verifyAll()
        }
    }

    func testMusicnnShapesAndValues() throws {
        let ckpt = try Checkpoint(directory: try modelDirectory("MSD_musicnn"))
        let shapes = Dictionary(uniqueKeysWithValues: ckpt.variables.map { ($0.name, $0.shape) })
        XCTAssertEqual(shapes["conv2d/kernel"], [7, 38, 1, 204])
        XCTAssertEqual(shapes["conv2d_1/kernel"], [7, 67, 1, 204])
        XCTAssertEqual(shapes["conv2d_2/kernel"], [128, 1, 1, 51])
        XCTAssertEqual(shapes["conv2d_5/kernel"], [7, 561, 1, 64])
        XCTAssertEqual(shapes["dense/kernel"], [1506, 200])
        XCTAssertEqual(shapes["dense_1/kernel"], [200, 50])
        XCTAssertEqual(shapes["batch_normalization_9/moving_variance"], [1506])
        XCTAssertNil(shapes["beta1_power"])
        XCTAssertNil(shapes["conv2d/kernel/Adam"])
        // Bit-exact first and last values, from TensorFlow's reader.
        let k = try ckpt.tensor("conv2d/kernel").values
        XCTAssertEqual(Array(k.prefix(3)), [-0x1.441b2cp-102, -0x1.674672p-101, -0x1.aea274p-101])
        XCTAssertEqual(k.last, -0x1.11d28p-100)
        let mv = try ckpt.tensor("batch_normalization_9/moving_variance")
        XCTAssertEqual(sum(mv.values), 13183.724955984238, accuracy: 1e-6)
        XCTAssertEqual(mv.values.last, 0x1.26e596p-1)
    }

    func testReadingWholeCheckpointIsFast() throws {
        let dir = try modelDirectory("MSD_musicnn")
        let start = Date()
        let ckpt = try Checkpoint(directory: dir)
        var total = 0
        for v in ckpt.variables { total += try ckpt.tensor(v.name).values.count }
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(total, 792_079)  // from TensorFlow's reader
        // Generous bound: debug builds on a shared machine; release is a few milliseconds.
        XCTAssertLessThan(elapsed, 2.0)
    }

    // MARK: - Corruption of real checkpoints

    func testFlippedDataByteNamesTheTensor() throws {
        let dir = try copyCheckpoint(from: try modelDirectory("MTT_vgg"))
        let dataURL = dir.appendingPathComponent(".data-00000-of-00001")
        var data = try Data(contentsOf: dataURL)
        data[data.count / 2] ^= 0x01
        try data.write(to: dataURL)

        let ckpt = try Checkpoint(directory: dir.path)  // index is intact; data length is right
        var failures: [String] = []
        for e in ckpt.entries {
            do { _ = try ckpt.tensor(e.name) } catch {
                guard case .checksumMismatch(let path, let tensor, _, _) = error else {
                    XCTFail("unexpected \(error)"); continue
                }
                XCTAssertEqual(path, dataURL.path)
                XCTAssertTrue(error.description.contains("'\(tensor)'"))
                XCTAssertTrue(error.description.contains("scripts/setup.sh"))
                failures.append(tensor)
            }
        }
        XCTAssertEqual(failures.count, 1, "\(failures)")
        XCTAssertThrowsError(try ckpt.verifyAll())
    }

    func testTruncatedDataFileIsRefused() throws {
        let dir = try copyCheckpoint(from: try modelDirectory("MSD_musicnn"))
        let dataURL = dir.appendingPathComponent(".data-00000-of-00001")
        let data = try Data(contentsOf: dataURL)
        try data.prefix(data.count - 1).write(to: dataURL)
        expectError({ _ = try Checkpoint(directory: dir.path) }) {
            guard case .truncatedData(let path, _, let needed, let available) = $0 else { return false }
            return path == dataURL.path && needed == data.count && available == data.count - 1
        }
        try Data().write(to: dataURL)
        XCTAssertThrowsError(try Checkpoint(directory: dir.path))
    }

    func testDamagedIndexFileIsRefused() throws {
        let dir = try copyCheckpoint(from: try modelDirectory("MSD_musicnn"))
        let indexURL = dir.appendingPathComponent(".index")
        let original = try Data(contentsOf: indexURL)
        for position in [100, original.count / 2, original.count - 60, original.count - 3] {
            var index = original
            index[position] ^= 0x04
            try index.write(to: indexURL)
            expectError({ _ = try Checkpoint(directory: dir.path) }) {
                guard case .corruptIndex(let path, _) = $0 else { return false }
                return path == indexURL.path && $0.description.contains("scripts/setup.sh")
            }
        }
        try original.prefix(original.count - 10).write(to: indexURL)
        XCTAssertThrowsError(try Checkpoint(directory: dir.path))
    }
}
