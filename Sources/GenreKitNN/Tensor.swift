/// A dense, contiguous, row-major float32 tensor.
///
/// Image-like tensors follow TensorFlow's NHWC convention: `[batch, height, width, channels]`
/// (for musicnn: `[batch, time, frequency, channels]`). The last axis varies fastest, so the
/// element at `(i0, i1, …, ik)` lives at `Σ_j i_j · stride_j` with `stride_k = 1` and
/// `stride_j = stride_{j+1} · shape[j+1]`.
///
/// `Tensor` is a value type (copy-on-write through its `[Float]` storage) and `Sendable`.
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
    /// Extent of every axis.
    public private(set) var shape: [Int]
    /// The elements in row-major order; `values.count == shape.reduce(1, *)`.
    public var values: [Float]

    /// Wraps existing values; `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in \(shape)")
        precondition(values.count == Tensor.elementCount(shape),
                     "Tensor: \(values.count) values do not fill shape \(shape)")
        self.shape = shape
        self.values = values
    }

    /// A tensor with every element equal to `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, values: [Float](repeating: value, count: Tensor.elementCount(shape)))
    }

    /// Builds a tensor by writing directly into uninitialised storage of the right size.
    /// `body` must initialise every element.
    public init(shape: [Int], unsafeUninitialized body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let n = Tensor.elementCount(shape)
        let v = [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
            body(buffer)
            initialized = n
        }
        self.init(shape: shape, values: v)
    }

    /// Product of the extents (1 for a scalar, shape `[]`).
    public static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Number of elements.
    public var count: Int { values.count }
    /// Number of axes.
    public var rank: Int { shape.count }

    /// Row-major strides in elements.
    public var strides: [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            s[axis] = acc
            acc *= shape[axis]
        }
        return s
    }

    /// Same values, new shape with the same element count. One extent may be `-1` (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshaped: cannot infer \(newShape) from \(shape)")
            s[i] = count / known
        }
        return Tensor(shape: s, values: values)
    }

    /// Element access by full index (bounds-checked; for tests and small tensors, not hot loops).
    public subscript(_ index: Int...) -> Float {
        get { values[offset(index)] }
        set { values[offset(index)] = newValue }
    }

    /// Flat offset of a full index.
    public func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index rank \(index.count) ≠ tensor rank \(shape.count)")
        var o = 0
        for (i, (x, n)) in zip(index, shape).enumerated() {
            precondition(x >= 0 && x < n, "index \(index) out of bounds for axis \(i) of \(shape)")
            o = o * n + x
        }
        return o
    }

    /// The `i`-th slice along axis 0 (e.g. one item of a batch), shape `shape.dropFirst()`.
    public func item(_ i: Int) -> Tensor {
        precondition(rank >= 1 && i >= 0 && i < shape[0])
        let inner = count / Swift.max(shape[0], 1)
        return Tensor(shape: Array(shape.dropFirst()), values: Array(values[(i * inner)..<((i + 1) * inner)]))
    }

    /// Items `range` along axis 0.
    public func items(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0])
        let inner = count / Swift.max(shape[0], 1)
        var s = shape
        s[0] = range.count
        return Tensor(shape: s, values: Array(values[(range.lowerBound * inner)..<(range.upperBound * inner)]))
    }

    /// Concatenates tensors with equal trailing shapes along axis 0.
    public static func stacking(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "stacking: no parts")
        let tail = Array(parts[0].shape.dropFirst())
        var v = [Float]()
        v.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        var n = 0
        for p in parts {
            precondition(Array(p.shape.dropFirst()) == tail, "stacking: shape \(p.shape) vs trailing \(tail)")
            v.append(contentsOf: p.values)
            n += p.shape[0]
        }
        return Tensor(shape: [n] + tail, values: v)
    }

    public var description: String { "Tensor(shape: \(shape))" }

    /// Largest `|a − b|` over all elements (shapes must match in element count).
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(count == other.count, "maxAbsDifference: \(shape) vs \(other.shape)")
        var m: Float = 0
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                for i in 0..<a.count { m = Swift.max(m, abs(a[i] - b[i])) }
            }
        }
        return m
    }

    /// Largest `|x|`.
    public var maxAbs: Float {
        values.withUnsafeBufferPointer { a in a.reduce(0) { Swift.max($0, abs($1)) } }
    }
}
