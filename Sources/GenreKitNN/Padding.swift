/// TensorFlow's padding modes for convolution and pooling windows.
public enum Padding: Sendable, Equatable {
    /// No padding: `out = ⌊(in − k) / s⌋ + 1` (0 when `in < k`).
    case valid
    /// Zero padding so that `out = ⌈in / s⌉`. The total padding is
    /// `max((out − 1)·s + k − in, 0)`; TensorFlow puts `⌊total / 2⌋` before and the rest after
    /// (so an even kernel `k` with stride 1 gets `(k − 1) / 2` before, `k / 2` after).
    case same

    /// Output extent and padding before the first element along one axis.
    public func output(inputSize n: Int, kernel k: Int, stride s: Int) -> (size: Int, padBefore: Int) {
        precondition(k >= 1 && s >= 1, "Padding: kernel \(k), stride \(s)")
        switch self {
        case .valid:
            return (n >= k ? (n - k) / s + 1 : 0, 0)
        case .same:
            let out = (n + s - 1) / s
            let total = Swift.max((out - 1) * s + k - n, 0)
            return (out, total / 2)
        }
    }
}
