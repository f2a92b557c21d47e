import GenreKitCore

/// Set from a signal handler (Ctrl-C): the run stops after the current batch and returns the best model so far.
public struct FineTuneStopFlag: Sendable {
    private let flag = Locked(false)
    public init() {}
    /// Asks the run to stop after the current batch.
    public func set() { flag.withLock { $0 = true } }
    /// Whether ``set()`` was called.
    public var isSet: Bool { flag.value }
}
