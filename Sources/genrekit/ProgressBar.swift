import Foundation
import GenreKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-line progress bar on standard error, drawn only when standard error is a terminal.
final class ProgressBar: Sendable {
    private let total: Int
    private let label: String
    private let start = Date()
    private let enabled: Bool
    /// Serialises drawing (updates come from any thread).
    private let drawing = Locked(())

    init(total: Int, label: String) {
        self.total = total; self.label = label
        enabled = isatty(STDERR_FILENO) != 0 && total > 1
    }

    func update(_ done: Int) {
        guard enabled else { return }
        drawing.withLock { _ in draw(done) }
    }

    private func draw(_ done: Int) {
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let width = 30, filled = width * done / max(total, 1)
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        let line = String(format: "\r[%@] %d/%d %@  %.0f s elapsed, ETA %.0f s ", bar, done, total, label, elapsed, eta)
        FileHandle.standardError.write(Data(line.utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
