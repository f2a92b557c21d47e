import Foundation
import GenreKit
import XCTest

/// SHA-256, feature specs, the SQLite feature cache, and extraction that only computes what is missing.
final class FeatureCacheTests: XCTestCase {
    // MARK: - SHA-256 (FIPS 180-4 examples)

    func testSHA256Vectors() throws {
        XCTAssertEqual(SHA256Hash.hex(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256Hash.hex(of: [UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256Hash.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // One million 'a', fed in uneven pieces, and from a file read in 1000-byte blocks.
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        var h = SHA256Hash()
        var i = 0, step = 1
        while i < million.count { let n = min(step, million.count - i); h.update(million[i..<i + n]); i += n; step = step % 97 + 13 }
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        XCTAssertEqual(SHA256Hash.hexString(h.finalize()), expected)
        let path = makeTemporaryFolder("gk-sha") + "/a.bin"
        try Data(million).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try SHA256Hash.hexDigest(ofFileAt: path, blockSize: 1000), expected)
        XCTAssertThrowsError(try SHA256Hash.hexDigest(ofFileAt: path + ".missing")) {
            XCTAssertEqual($0 as? AudioError, .fileNotFound(path: path + ".missing"))
        }
    }

    // MARK: - Feature specs

    func testSpecParsingDefaultsAndCanonicalKey() throws {
        let s = try FeatureSpec(parsing: "MSD_musicnn:max_pool,penultimate")
        XCTAssertEqual(s.model, "MSD_musicnn")
        XCTAssertEqual(s.layers, ["max_pool", "penultimate"])
        XCTAssertEqual(s.windowLength, 3)
        XCTAssertEqual(s.overlap, 0)
        XCTAssertEqual(s.windowPooling, .mean)
        XCTAssertEqual(s.songPooling, .mean)
        XCTAssertEqual(s.key, "MSD_musicnn:max_pool,penultimate@length=3,overlap=0,pool=mean,song=mean")
        XCTAssertEqual(s.windowKey, "MSD_musicnn:max_pool,penultimate@length=3,overlap=0,pool=mean")
        XCTAssertEqual(try FeatureSpec(parsing: s.key), s)

        let t = try FeatureSpec(parsing: " MTT_musicnn : timbral , cnn1 @ length=3.5, overlap = 1, pool=mean+std, song=max, pad=zeroPad")
        XCTAssertEqual(t.key, "MTT_musicnn:timbral,cnn1@length=3.5,overlap=1,pool=mean+std,song=max,pad=zeroPad")
        XCTAssertEqual(try FeatureSpec(parsing: t.key), t)
        XCTAssertEqual(try FeatureSpec(model: "MTT_musicnn", layers: ["penultimate"], songPooling: .meanStd).windowKey,
                       try FeatureSpec(parsing: "MTT_musicnn:penultimate").windowKey)   // song pooling is not part of the cache key
    }

    func testSpecErrors() {
        func message(_ text: String) -> String {
            do { _ = try FeatureSpec(parsing: text); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("MSD_musicnn:pool5"), "MSD_musicnn has no layer 'pool5'; choose from timbral, temporal, cnn1, cnn2, cnn3, mean_pool, max_pool, penultimate, taggram")
        XCTAssertEqual(message("MSD_musicnnn:max_pool"), "unknown model 'MSD_musicnnn'; choose from MTT_musicnn, MSD_musicnn, MSD_musicnn_big, MTT_vgg, MSD_vgg, random_musicnn, yamnet, handcrafted")
        XCTAssertEqual(message("MSD_musicnn"), "feature spec 'MSD_musicnn': expected MODEL:LAYER[,LAYER…], e.g. MSD_musicnn:max_pool,penultimate (or mfcc, handcrafted)")
        XCTAssertEqual(message("MSD_musicnn:max_pool,,penultimate"), "feature spec 'MSD_musicnn:max_pool,,penultimate': empty layer name")
        XCTAssertEqual(message("MSD_musicnn:max_pool,max_pool"), "layer 'max_pool' is listed twice; list each layer once")
        XCTAssertEqual(message("MSD_musicnn:max_pool@speed=2"), "feature spec 'MSD_musicnn:max_pool@speed=2': unknown option 'speed'; options are length, overlap, pool, song, pad, precision, int8")
        XCTAssertEqual(message("MSD_musicnn:max_pool@pool=median"), "feature spec 'MSD_musicnn:max_pool@pool=median': pool=median: use mean, max, mean+std")
        XCTAssertEqual(message("MSD_musicnn:max_pool@length=abc"), "feature spec 'MSD_musicnn:max_pool@length=abc': length=abc is not a number of seconds")
        XCTAssertEqual(message("MSD_vgg:pool5@length=5"), "invalid window: the VGG models take 3-s windows only (got 5 s)")
        XCTAssertEqual(message("MSD_musicnn:max_pool@length=-1"), "invalid window: window length -1.0 s must be positive (3 s is what the models were trained on)")
        XCTAssertTrue(message("MSD_musicnn:max_pool@overlap=0.001").hasPrefix("invalid window: overlap 0.001 s is less than one frame"))
    }

    // MARK: - Cache

    func testDefaultPathHonoursEnvironment() {
        XCTAssertEqual(FeatureCache.defaultPath(environment: ["HOME": "/home/u"]), "/home/u/.cache/genrekit/features.sqlite")
        XCTAssertEqual(FeatureCache.defaultPath(environment: ["HOME": "/home/u", "GENREKIT_CACHE": "/data/gk"]), "/data/gk/features.sqlite")
        XCTAssertEqual(FeatureCache.defaultPath(environment: ["HOME": "/home/u", "GENREKIT_CACHE": "~/c/"]), "/home/u/c/features.sqlite")
    }

    func testRoundTripThroughReopenIsBitExact() throws {
        let path = makeTemporaryFolder("gk-cache") + "/nested/features.sqlite"
        let spec = try FeatureSpec(parsing: "MSD_musicnn:max_pool,penultimate@song=mean+std")
        let values: [Float] = [1.5, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1, -3, 7, 1e-30, 2]
        let stored = WindowFeatures(matrix: Tensor(shape: [3, 3], values: values), windowStarts: [0, 2.992, 5.984], windowSeconds: 2.992)
        do {
            let cache = try FeatureCache(path: path)
            XCTAssertNil(try cache.windowFeatures(hash: "h1", spec: spec))
            try cache.store(stored, hash: "h1", spec: spec, sourcePath: "/music/a.wav")
            XCTAssertEqual(try cache.count(), 1)
        }
        let reopened = try FeatureCache(path: path)
        let back = try XCTUnwrap(reopened.windowFeatures(hash: "h1", spec: spec))
        XCTAssertEqual(back.matrix.shape, [3, 3])
        XCTAssertEqual(back.matrix.values.map(\.bitPattern), values.map(\.bitPattern))
        XCTAssertEqual(back.windowStarts, [0, 2.992, 5.984])
        XCTAssertEqual(back.windowSeconds, 2.992)
        // Columns: (1.5, max, 7), (−0, 0.1, 1e-30), (tiny, −3, 2); means accumulate in Double.
        let col0 = Float((1.5 + Double(Float.greatestFiniteMagnitude) + 7) / 3)
        let col1 = Float((Double(Float(0.1)) + Double(Float(1e-30))) / 3)
        let col2 = Float((Double(Float.leastNonzeroMagnitude) - 3 + 2) / 3)
        XCTAssertEqual(back.songVector(.mean), [col0, col1, col2])
        XCTAssertEqual(back.songVector(.max), [.greatestFiniteMagnitude, 0.1, 2])
        XCTAssertEqual(back.songVector(.meanStd).count, 6)
        // The song pooling is applied on read: a spec differing only in it finds the same row; another layer list does not.
        XCTAssertNotNil(try reopened.windowFeatures(hash: "h1", spec: FeatureSpec(parsing: "MSD_musicnn:max_pool,penultimate")))
        XCTAssertNil(try reopened.windowFeatures(hash: "h1", spec: FeatureSpec(parsing: "MSD_musicnn:penultimate,max_pool")))
        XCTAssertEqual(try reopened.cachedHashes(spec: spec), ["h1"])
        XCTAssertEqual(try reopened.specKeys(), [spec.windowKey])
        XCTAssertEqual(try reopened.remove(spec: spec), 1)
        XCTAssertEqual(try reopened.count(), 0)
    }

    func testCorruptAndForeignFilesAreClearErrors() throws {
        let dir = makeTemporaryFolder("gk-cache")
        let garbage = dir + "/garbage.sqlite"
        try String(repeating: "not a database ", count: 100).write(toFile: garbage, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try FeatureCache(path: garbage)) {
            guard case .corrupt(let p, _)? = $0 as? FeatureCacheError else { return XCTFail("\($0)") }
            XCTAssertEqual(p, garbage)
            XCTAssertTrue("\($0)".hasPrefix("feature cache \(garbage) is damaged or not a database ("), "\($0)")
            XCTAssertTrue("\($0)".hasSuffix("; delete it and the features will be recomputed"), "\($0)")
        }
        // An empty file is a new cache.
        _ = FileManager.default.createFile(atPath: dir + "/empty.sqlite", contents: Data())
        XCTAssertEqual(try FeatureCache(path: dir + "/empty.sqlite").count(), 0)

        // A cache from a newer schema, and a SQLite file of another application: patch the header's
        // user_version (offset 60) and application_id (offset 68).
        func patched(offset: Int, value: UInt32) throws -> String {
            let p = dir + "/\(offset).sqlite"
            _ = try FeatureCache(path: p)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: p))
            withUnsafeBytes(of: value.bigEndian) { bytes.replaceSubrange(offset..<offset + 4, with: $0) }
            try bytes.write(to: URL(fileURLWithPath: p))
            return p
        }
        let newer = try patched(offset: 60, value: 2)
        XCTAssertThrowsError(try FeatureCache(path: newer)) {
            XCTAssertEqual($0 as? FeatureCacheError, .incompatible(path: newer, reason: "it was written by a newer GenreKit (schema 2; this one reads 1)"))
            XCTAssertTrue("\($0)".contains("delete it (or set GENREKIT_CACHE to another folder)"), "\($0)")
        }
        let foreign = try patched(offset: 68, value: 7)
        XCTAssertThrowsError(try FeatureCache(path: foreign)) {
            XCTAssertEqual($0 as? FeatureCacheError, .incompatible(path: foreign, reason: "it is a SQLite database of another application"))
        }
    }

    // MARK: - Extraction (needs the MSD_musicnn weights)

    static let model: PretrainedModel? = try? PretrainedModel.load("MSD_musicnn")

    func loadedModel() throws -> PretrainedModel {
        guard let m = Self.model else {
            if ProcessInfo.processInfo.environment["GENREKIT_REQUIRE_MODELS"] == "1" {
                XCTFail("MSD_musicnn is not installed; run scripts/setup.sh"); throw XCTSkip("no model")
            }
            throw XCTSkip("MSD_musicnn not installed (run scripts/setup.sh)")
        }
        return m
    }

    /// 3.2 s of a tone at `hz` (one 3-s window).
    func writeTone(_ dir: String, _ name: String, hz: Double) throws -> String {
        let rate = 16000
        let x = (0..<Int(3.2 * Double(rate))).map { Float(0.3 * sin(2 * .pi * hz * Double($0) / Double(rate))) }
        let path = dir + "/" + name
        try AudioEncoder.write(x, channels: 1, sampleRate: rate, format: .wav16, to: path)
        return path
    }

    /// Collects progress reports.
    final class Reports: @unchecked Sendable {
        private let lock = NSLock()
        private var all: [FeatureExtractor.Progress] = []
        func add(_ p: FeatureExtractor.Progress) { lock.lock(); all.append(p); lock.unlock() }
        var last: FeatureExtractor.Progress? { lock.lock(); defer { lock.unlock() }; return all.last }
        var count: Int { lock.lock(); defer { lock.unlock() }; return all.count }
    }

    func testExtractionResumesAndRecomputesChangedFiles() throws {
        let model = try loadedModel()
        let dir = makeTemporaryFolder("gk-extract")
        let files = try [220.0, 330, 440, 550, 660].enumerated().map { try writeTone(dir, "t\($0.offset).wav", hz: $0.element) }
        let spec = try FeatureSpec(parsing: "MSD_musicnn:max_pool,penultimate@song=mean+std")
        let cachePath = dir + "/cache/features.sqlite"
        let extractor = try FeatureExtractor(spec: spec, model: model, cache: FeatureCache(path: cachePath))

        let first = Reports()
        let r1 = extractor.extract(paths: Array(files[0..<3]), progress: first.add)
        XCTAssertEqual(first.last, .init(done: 3, total: 3, cached: 0, computed: 3, failed: 0))
        let f1 = try r1.map { try $0.get() }
        XCTAssertEqual(f1.map(\.windows.matrix.shape), [[1, 953], [1, 953], [1, 953]])   // 753 + 200
        XCTAssertEqual(f1.map(\.song.count), [1906, 1906, 1906])
        XCTAssertFalse(f1.contains(where: \.fromCache))

        // A new extractor on the reopened cache: 3 cached, 2 computed, one missing file failing on its own.
        let again = try FeatureExtractor(spec: spec, model: model, cache: FeatureCache(path: cachePath))
        let second = Reports()
        let r2 = again.extract(paths: files + [dir + "/missing.wav"], progress: second.add)
        XCTAssertEqual(second.last, .init(done: 6, total: 6, cached: 3, computed: 2, failed: 1))
        XCTAssertEqual(second.count, 3)                      // after the lookup, then one per computed file
        XCTAssertEqual(r2.prefix(5).map { (try? $0.get())?.fromCache }, [true, true, true, false, false])
        XCTAssertEqual(try r2[0].get().windows, f1[0].windows)
        XCTAssertEqual(try r2[2].get().song, f1[2].song)
        guard case .failure(let e) = r2[5] else { return XCTFail("missing file should fail") }
        XCTAssertEqual(e as? AudioError, .fileNotFound(path: dir + "/missing.wav"))
        XCTAssertEqual(try FeatureCache(path: cachePath).count(spec: spec), 5)

        // Different bytes under the same name are recomputed; a copy of known bytes under a new name is not.
        _ = try writeTone(dir, "t1.wav", hz: 1000)
        try FileManager.default.copyItem(atPath: files[0], toPath: dir + "/copy.wav")
        let third = Reports()
        let r3 = again.extract(paths: files + [dir + "/copy.wav"], progress: third.add)
        XCTAssertEqual(third.last, .init(done: 6, total: 6, cached: 5, computed: 1, failed: 0))
        XCTAssertEqual(r3.map { (try? $0.get())?.fromCache }, [true, false, true, true, true, true])
        XCTAssertNotEqual(try r3[1].get().windows, f1[1].windows)
        XCTAssertEqual(try r3[5].get().contentHash, try r3[0].get().contentHash)
    }

    func testTaggerMustMatchSpec() throws {
        let model = try loadedModel()
        let spec = try FeatureSpec(parsing: "MSD_musicnn:penultimate")
        XCTAssertThrowsError(try FeatureExtractor(spec: spec, tagger: Tagger(model: model, length: 3, overlap: 1), cache: nil)) {
            XCTAssertTrue("\($0)".hasPrefix("tagger and feature spec disagree: the tagger's windows (187 frames, hop 61, repeatPad) differ from the spec's (187 frames, hop 187, repeatPad)"), "\($0)")
        }
        XCTAssertThrowsError(try FeatureExtractor(spec: FeatureSpec(parsing: "MTT_musicnn:penultimate"), tagger: Tagger(model: model), cache: nil)) {
            XCTAssertTrue("\($0)".contains("the tagger runs MSD_musicnn, the spec asks for MTT_musicnn"), "\($0)")
        }
    }
}
