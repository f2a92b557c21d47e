import Foundation
import GenreKit
import XCTest

/// Loading datasets: folder layout, CSV/TSV manifests, split files, and their error messages.
final class DatasetTests: XCTestCase {
    func testFolderLayoutIsSortedAndSkipsHiddenAndNonAudio() throws {
        let root = makeTemporaryFolder()
        for f in ["blues/b2.wav", "blues/b1.WAV", "blues/.hidden.wav", "blues/notes.txt", "rock/r1.mp3",
                  "rock/sub/r2.flac", "rock/.cache/r3.wav", ".git/x.wav", "stray.wav", "empty/readme.md"] {
            makeFile(root, f)
        }
        let d = try Dataset.loadFolder(root)
        XCTAssertEqual(d.items.map(\.path), ["blues/b1.WAV", "blues/b2.wav", "rock/r1.mp3", "rock/sub/r2.flac"].map { root + "/" + $0 })
        XCTAssertEqual(d.items.map(\.labels), [["blues"], ["blues"], ["rock"], ["rock"]])
        XCTAssertEqual(d.labels, ["blues", "rock"])
        XCTAssertEqual(d.classCounts(), ["blues": 2, "rock": 2])
        XCTAssertFalse(d.isMultiLabel)
        XCTAssertEqual(d.root, root)
        XCTAssertTrue(d.items.allSatisfy { $0.split == nil })
        XCTAssertEqual(d.labelIndices(), [0, 0, 1, 1])
    }

    func testFolderErrors() throws {
        XCTAssertThrowsError(try Dataset.loadFolder("/nonexistent/gtzan")) {
            XCTAssertEqual($0 as? DatasetError, .rootNotFound(path: "/nonexistent/gtzan"))
            XCTAssertEqual("\($0)", "dataset folder /nonexistent/gtzan not found; check the path (expected ROOT/<label>/<audio file>)")
        }
        let root = makeTemporaryFolder()
        makeFile(root, "blues/readme.txt")
        XCTAssertThrowsError(try Dataset.loadFolder(root)) {
            guard case .emptyDataset(let p, _)? = $0 as? DatasetError else { return XCTFail("\($0)") }
            XCTAssertEqual(p, root)
            XCTAssertTrue("\($0)".contains("expected ROOT/<label>/<file>"), "\($0)")
        }
    }

    func testManifestWithQuotesMultiLabelAndSplits() throws {
        let root = makeTemporaryFolder()
        let manifest = makeFile(root, "meta/list.csv", """
            path,label,split
            "songs/a, live.wav",rock,train
            songs/b.wav,"jazz;blues",test

            /abs/c.wav, pop ;rock;pop ,
            "say ""hi"".wav",rock,validation
            ../up.wav,"multi
            line",TRAIN
            """)
        let d = try Dataset.loadManifest(manifest)
        XCTAssertEqual(d.items.map(\.path), ["\(root)/meta/songs/a, live.wav", "\(root)/meta/songs/b.wav", "/abs/c.wav",
                                             "\(root)/meta/say \"hi\".wav", "\(root)/up.wav"])
        XCTAssertEqual(d.items.map(\.labels), [["rock"], ["jazz", "blues"], ["pop", "rock"], ["rock"], ["multi\nline"]])
        XCTAssertEqual(d.items.map(\.split), [.train, .test, nil, .valid, .train])
        XCTAssertEqual(d.labels, ["blues", "jazz", "multi\nline", "pop", "rock"])
        XCTAssertTrue(d.isMultiLabel)
        XCTAssertEqual(d.classCounts(), ["rock": 3, "jazz": 1, "blues": 1, "pop": 1, "multi\nline": 1])
        XCTAssertEqual(d.root, root + "/meta")
        XCTAssertEqual(d.subset(.train).items.count, 2)
        XCTAssertEqual(d.labelIndicators().count, 5 * 5)
        XCTAssertEqual(Array(d.labelIndicators()[5..<10]), [1, 1, 0, 0, 0])   // b: blues, jazz
    }

    func testTSVManifestWithCRLFAndExtraColumns() throws {
        let root = makeTemporaryFolder()
        let manifest = makeFile(root, "list.tsv", "id\tfile\tgenre\n1\tx.wav\tjazz\r\n2\ty, z.wav\tpop\r\n")
        let d = try Dataset.loadManifest(manifest)
        XCTAssertEqual(d.items, [LabeledItem(path: root + "/x.wav", label: "jazz"), LabeledItem(path: root + "/y, z.wav", label: "pop")])
        XCTAssertFalse(d.isMultiLabel)
    }

    func testManifestErrorsNameTheLine() throws {
        let root = makeTemporaryFolder()
        func failure(_ text: String) -> String {
            let path = makeFile(root, "m-\(UUID().uuidString).csv", text)
            do { _ = try Dataset.loadManifest(path); return "no error" } catch {
                return "\(error)".replacingOccurrences(of: path, with: "M")
            }
        }
        XCTAssertEqual(failure("path,label\na.wav,rock\nb.wav,rock,extra\n"),
                       "M line 3: 3 fields where the header has 2 (expected a header line and rows path,label[,split]; labels separated by ';')")
        XCTAssertTrue(failure("path,label,split\na.wav,rock,holdout\n").hasPrefix("M line 2: unknown split 'holdout' (use train, valid or test)"))
        XCTAssertTrue(failure("file_name,genre_id\na.wav,1\n").hasPrefix("M line 1: the header must name a path column and a label column; found 'file_name', 'genre_id'"))
        XCTAssertTrue(failure("path,label\na.wav,\" rock\n").hasPrefix("M line 2: a quoted field is never closed"))
        XCTAssertTrue(failure("path,label\na.wav,\"rock\"x\n").hasPrefix("M line 2: text after a closing quote"))
        XCTAssertTrue(failure("path,label\na.wav, ; \n").hasPrefix("M line 2: no label for a.wav"))
        XCTAssertEqual(failure("path,label\n"), "no labelled audio in M: the manifest has a header but no rows")
        XCTAssertEqual(failure(""), "no labelled audio in M: the manifest is empty")
        XCTAssertThrowsError(try Dataset.loadManifest(root + "/missing.csv")) {
            XCTAssertEqual("\($0)", "manifest \(root)/missing.csv not found or unreadable; check the path")
        }
    }

    /// GTZAN-style split lists relative to the dataset root.
    func testSplitFiles() throws {
        let root = makeTemporaryFolder()
        for f in ["blues/blues.00000.wav", "blues/blues.00001.wav", "blues/blues.00002.wav", "rock/rock.00000.wav", "rock/rock.00001.wav"] {
            makeFile(root, "genres/" + f)
        }
        let splits = makeTemporaryFolder("gk-splits")
        makeFile(splits, "train_filtered.txt", "blues/blues.00000.wav\nrock/rock.00001.wav\r\n\n# comment\n")
        makeFile(splits, "valid.txt", "blues/blues.00002.wav\n")
        makeFile(splits, "test.txt", "  rock/rock.00000.wav  \n")
        let d = try Dataset.loadFolder(root + "/genres").applyingSplitFiles(splits)
        XCTAssertEqual(d.items.map(\.split), [.train, nil, .valid, .test, .train])
        let dropped = try Dataset.loadFolder(root + "/genres").applyingSplitFiles(splits, dropUnlisted: true)
        XCTAssertEqual(dropped.items.map { ($0.path as NSString).lastPathComponent },
                       ["blues.00000.wav", "blues.00002.wav", "rock.00000.wav", "rock.00001.wav"])
        XCTAssertEqual(dropped.subset(.train).count, 2)

        makeFile(splits, "test.txt", "rock/rock.00000.wav\nrock/rock.00009.wav\n")
        XCTAssertThrowsError(try Dataset.loadFolder(root + "/genres").applyingSplitFiles(splits)) {
            XCTAssertEqual($0 as? DatasetError, .unknownSplitEntry(file: splits + "/test.txt", line: 2, entry: "rock/rock.00009.wav", root: root + "/genres"))
            XCTAssertEqual("\($0)", "\(splits)/test.txt line 2: 'rock/rock.00009.wav' is not in the dataset; paths must be relative to the dataset root \(root)/genres")
        }
        makeFile(splits, "test.txt", "blues/blues.00000.wav\n")
        XCTAssertThrowsError(try Dataset.loadFolder(root + "/genres").applyingSplitFiles(splits)) {
            XCTAssertEqual($0 as? DatasetError, .duplicateSplitEntry(file: splits + "/test.txt", line: 1, entry: "blues/blues.00000.wav"))
        }
        XCTAssertThrowsError(try Dataset.loadFolder(root + "/genres").applyingSplitFiles(root)) {
            XCTAssertEqual($0 as? DatasetError, .splitFilesNotFound(folder: root))
        }
    }

    // MARK: - Stratified splits

    /// a ×8, b ×4, c ×1, d ×2, e ×3, in an interleaved order.
    func syntheticDataset() -> Dataset {
        var items: [LabeledItem] = []
        let counts = [("a", 8), ("b", 4), ("c", 1), ("d", 2), ("e", 3)]
        for round in 0..<8 {
            for (label, n) in counts where round < n { items.append(LabeledItem(path: "\(label)\(round).wav", label: label)) }
        }
        return Dataset(items: items)
    }

    func testStratifiedSplitCountsPerClass() throws {
        let d = try syntheticDataset().stratifiedSplit(seed: 42)
        var test: [String: Int] = [:]
        for item in d.items where item.split == .test { test[item.primaryLabel, default: 0] += 1 }
        // round(n/4): a 2, b 1, c 0 (a single item stays in train), d round(0.5) = 1, e round(0.75) = 1.
        XCTAssertEqual(test, ["a": 2, "b": 1, "d": 1, "e": 1])
        XCTAssertTrue(d.items.allSatisfy { $0.split == .train || $0.split == .test })
        XCTAssertEqual(d.subset(.train).count + d.subset(.test).count, 18)
        // Large fraction still leaves one example of each class in train.
        let heavy = try syntheticDataset().stratifiedSplit(testFraction: 0.9, seed: 1)
        XCTAssertEqual(heavy.subset(.train).classCounts(), ["a": 1, "b": 1, "c": 1, "d": 1, "e": 1])
    }

    func testStratifiedSplitIsStableForASeed() throws {
        let d = syntheticDataset()
        let test = try d.stratifiedSplit(seed: 42).subset(.test).items.map(\.path)
        XCTAssertEqual(test, EXPECTED_SPLIT_42)
        XCTAssertEqual(try d.stratifiedSplit(seed: 42), try d.stratifiedSplit(seed: 42))
        XCTAssertNotEqual(try d.stratifiedSplit(seed: 7).subset(.test).items.map(\.path), test)
        let valid = try d.stratifiedSplit(testFraction: 0.5, seed: 3, holdOut: .valid)
        XCTAssertEqual(valid.subset(.valid).count, 4 + 2 + 0 + 1 + 2)   // round(n/2), half away from zero
        XCTAssertThrowsError(try d.stratifiedSplit(testFraction: 1)) {
            XCTAssertEqual("\($0)", "split fraction 1.0 must be strictly between 0 and 1 (e.g. 0.25 for 25 % test)")
        }
    }

    func testStratifiedKFoldPartitionsAndStratifies() throws {
        var items: [LabeledItem] = []
        for (label, n) in [("x", 12), ("y", 7), ("z", 5)] { for i in 0..<n { items.append(LabeledItem(path: "\(label)\(i)", label: label)) } }
        let d = Dataset(items: items)
        let folds = try d.stratifiedFolds(5, seed: 9)
        XCTAssertEqual(folds.count, 5)
        XCTAssertEqual(folds.flatMap(\.test).sorted(), Array(0..<24))            // each item tested exactly once
        for f in folds {
            XCTAssertEqual(Set(f.train).union(f.test), Set(0..<24))
            XCTAssertTrue(Set(f.train).isDisjoint(with: f.test))
            let counts = d.subset(indices: f.test).classCounts()
            XCTAssertTrue([2, 3].contains(counts["x"]!), "\(counts)")           // 12/5
            XCTAssertTrue([1, 2].contains(counts["y"]!), "\(counts)")           // 7/5
            XCTAssertEqual(counts["z"], 1)                                       // 5/5
        }
        let sizes = folds.map(\.test.count)
        XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1)
        XCTAssertEqual(try d.foldAssignments(5, seed: 9), try d.foldAssignments(5, seed: 9))
        XCTAssertEqual(try d.foldAssignments(5, seed: 9), EXPECTED_FOLDS_9)
        XCTAssertNotEqual(try d.foldAssignments(5, seed: 10), try d.foldAssignments(5, seed: 9))
    }

    func testTooSmallClassForFolds() throws {
        let d = Dataset(items: (0..<6).map { LabeledItem(path: "a\($0)", label: "blues") } + (0..<3).map { LabeledItem(path: "b\($0)", label: "jazz") })
        XCTAssertThrowsError(try d.stratifiedFolds(5)) {
            XCTAssertEqual($0 as? DatasetError, .classTooSmall(label: "jazz", count: 3, folds: 5))
            XCTAssertEqual("\($0)", "class 'jazz' has only 3 examples, fewer than the 5 folds; use at most 3 folds, add examples, or drop the class")
        }
        XCTAssertThrowsError(try d.stratifiedFolds(1)) { XCTAssertEqual($0 as? DatasetError, .invalidFoldCount(1)) }
        XCTAssertEqual(try d.stratifiedFolds(3).count, 3)
    }

    func testMultiLabelStratifiesByFirstLabel() throws {
        let d = Dataset(items: (0..<4).map { LabeledItem(path: "r\($0)", labels: ["rock", "live"]) } + (0..<4).map { LabeledItem(path: "j\($0)", labels: ["jazz"]) })
        XCTAssertTrue(d.isMultiLabel)
        XCTAssertEqual(d.classCounts(), ["rock": 4, "live": 4, "jazz": 4])
        let split = try d.stratifiedSplit(testFraction: 0.5, seed: 5)
        XCTAssertEqual(split.subset(.test).classCounts(), ["rock": 2, "live": 2, "jazz": 2])
    }
}

/// Test items of `stratifiedSplit(seed: 42)` on `syntheticDataset()`, also reproduced by an independent Python
/// re-implementation of the documented algorithm (SplitMix64 + Fisher–Yates per class in label order).
private let EXPECTED_SPLIT_42 = ["d0.wav", "a1.wav", "b2.wav", "e2.wav", "a3.wav"]
/// `foldAssignments(5, seed: 9)` for x ×12, y ×7, z ×5 (same independent check).
private let EXPECTED_FOLDS_9 = [3, 2, 1, 0, 1, 4, 3, 1, 4, 0, 2, 0, 3, 0, 1, 2, 4, 3, 2, 1, 4, 0, 3, 2]
