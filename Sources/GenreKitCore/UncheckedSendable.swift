/// Carries a value that is not `Sendable` (a buffer's base address, a non-escaping body) into the iterations of one
/// parallel loop that only read it or write disjoint parts of it. The caller vouches for that; anything shared and
/// written goes in ``Locked`` instead.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    /// The wrapped value.
    public let value: Value

    /// Wraps `value`.
    @inlinable
    public init(_ value: Value) { self.value = value }
}
