/// The waits of a worker polling a queue that has nothing to claim: `shortest`, then doubling, capped at
/// `longest`; ``reset()`` after a successful claim.
///
/// wait_n = min(shortest · 2ⁿ, longest), n = 0, 1, 2, …
///
/// Without it a worker whose claim came back empty while another worker still held the last batch slept the whole
/// poll interval (2 s) after that batch was done; with two single-job workers sharing 48 songs that was a third of
/// the run.
public struct CatalogPollBackoff: Sendable, Equatable {
    public let shortest: Double
    public let longest: Double
    private var current: Double

    public init(shortest: Double = 0.02, longest: Double) {
        self.shortest = min(shortest, longest)
        self.longest = longest
        current = self.shortest
    }

    /// The next wait, in seconds.
    public mutating func next() -> Double {
        let wait = current
        current = min(current * 2, longest)
        return wait
    }

    /// Back to the shortest wait.
    public mutating func reset() { current = shortest }
}
