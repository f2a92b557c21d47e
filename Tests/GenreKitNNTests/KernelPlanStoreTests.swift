import XCTest
@testable import GenreKitNN

final class KernelPlanStoreTests: XCTestCase {
    func temporaryPath() -> String {
        NSTemporaryDirectory() + "genrekit-kernel-plan-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json"
    }

    func testEntriesRoundTripOnThisMachine() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let entries = ["gemm fp32 n=40 k=266 lda=266 ldc=40": KernelPlanStore.Entry(choice: "onednn", seconds: ["openblas": 2e-3, "onednn": 1e-3]),
                       "conv fp32 187x96 128,1,25,63,64,0,0": .init(choice: "im2col", seconds: ["im2col": 4e-3])]
        KernelPlanStore.write([KernelPlanStore.machine: entries], to: path)
        XCTAssertEqual(KernelPlanStore.read(at: path), entries)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains(KernelPlanStore.machine.replacingOccurrences(of: "/", with: "\\/")), text)
    }

    func testAnotherMachinesEntriesAreKeptApart() {
        let path = temporaryPath()
        defer { unlink(path) }
        let other = "some other CPU; 64 cores; oneDNN 3.0 avx512_core_amx; OpenBLAS SapphireRapids"
        let theirs = ["gemm fp32 n=1 k=1 lda=1 ldc=1": KernelPlanStore.Entry(choice: "onednn", seconds: [:])]
        let ours = ["gemm fp32 n=1 k=1 lda=1 ldc=1": KernelPlanStore.Entry(choice: "openblas", seconds: ["openblas": 1e-6])]
        KernelPlanStore.write([other: theirs], to: path)
        XCTAssertEqual(KernelPlanStore.read(at: path), [:])
        XCTAssertEqual(KernelPlanStore.read(at: path, machine: other), theirs)
        KernelPlanStore.write([other: theirs, KernelPlanStore.machine: ours], to: path)
        XCTAssertEqual(KernelPlanStore.read(at: path), ours)
        XCTAssertEqual(KernelPlanStore.read(at: path, machine: other), theirs)
    }

    func testMissingOrDamagedFileIsEmpty() throws {
        let path = temporaryPath()
        XCTAssertEqual(KernelPlanStore.read(at: path), [:])
        XCTAssertEqual(KernelPlanStore.read(at: nil), [:])
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        XCTAssertEqual(KernelPlanStore.read(at: path), [:])
    }
}
