import ArgumentParser
import Foundation
import GenreKit

/// Writes `genrekit embed`'s rows to `--out` as each file is done (one call at a time, in input order), so a
/// stopped batch leaves every finished file's rows on disk in a valid file:
/// - `.csv`: the header with the first file, then each file's rows;
/// - `.npy`: a fixed-size header rewritten after each file with the rows so far, the rows appended (float32, C
///   order), and `FILE.rows.csv` naming each row's file and window.
final class EmbedOutput: @unchecked Sendable {
    let path: String
    private let npy: Bool
    private var data: FileHandle?
    private var index: FileHandle?
    private(set) var rows = 0
    private(set) var width = 0
    private(set) var failures = 0
    private var firstError: Error?

    /// Bytes of the `.npy` preamble (magic, version, header length, header): one 64-byte-aligned size whatever the shape.
    static let npyPreamble = 128

    init(path: String) throws {
        self.path = path
        npy = path.hasSuffix(".npy")
        data = try Self.create(path)
        if npy {
            index = try Self.create(path + ".rows.csv")
            try index?.write(contentsOf: Data("path,window,start_s\n".utf8))
        }
    }

    private static func create(_ path: String) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        return h
    }

    /// Writes one file's rows (or counts its failure).
    func emit(_ file: String, _ result: Result<WindowFeatures, Error>) {
        do {
            switch result {
            case .failure(let e): failures += 1; printError("error: \(e)")
            case .success(let f): try write(f, file: file)
            }
        } catch {
            if firstError == nil { firstError = error }
        }
    }

    private func write(_ f: WindowFeatures, file: String) throws {
        guard let data else { return }
        if rows == 0 && width == 0 {
            width = f.dimension
            if npy { try data.write(contentsOf: header()) }
            else { try data.write(contentsOf: Data(("path,window,start_s," + (0..<width).map { "f\($0)" }.joined(separator: ",") + "\n").utf8)) }
        }
        guard f.dimension == width else {
            throw ValidationError("\(file): \(f.dimension) features per row, the files before it have \(width)")
        }
        if npy {
            try data.seekToEnd()
            try f.matrix.values.withUnsafeBytes { try data.write(contentsOf: Data($0)) }
            try index?.write(contentsOf: Data((0..<f.windowCount).map { "\(csvField(file)),\($0),\(f.windowStarts[$0])\n" }.joined().utf8))
            rows += f.windowCount
            try data.seek(toOffset: 0)
            try data.write(contentsOf: header())
        } else {
            var text = ""
            for i in 0..<f.windowCount {
                text += "\(csvField(file)),\(i),\(f.windowStarts[i])," + f.matrix.values[i * width..<(i + 1) * width].map { "\($0)" }.joined(separator: ",") + "\n"
            }
            try data.write(contentsOf: Data(text.utf8))
            rows += f.windowCount
        }
    }

    /// The `.npy` preamble for the rows so far, padded to ``npyPreamble`` bytes.
    private func header() -> Data {
        var text = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(width)), }"
        text += String(repeating: " ", count: Self.npyPreamble - 10 - text.utf8.count - 1) + "\n"
        var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let n = text.utf8.count
        d.append(contentsOf: [UInt8(n & 0xff), UInt8(n >> 8)])
        d.append(contentsOf: Array(text.utf8))
        return d
    }

    /// Closes the files (a batch without any row still gets a valid, empty file).
    func finish() throws {
        if rows == 0 && width == 0, let data {
            try data.write(contentsOf: npy ? header() : Data("path,window,start_s,\n".utf8))
        }
        try data?.close(); try index?.close()
        data = nil; index = nil
        if let firstError { throw firstError }
    }
}
