import GenreKit

/// A progress bar created on first use (the total is known only then).
struct ProgressBarBox: Sendable {
    private let bar = Locked<ProgressBar?>(nil)
    func update(_ done: Int, total: Int) {
        let b = bar.withLock { b in
            if b == nil { b = ProgressBar(total: total, label: "files") }
            return b!
        }
        b.update(done)
    }
}
