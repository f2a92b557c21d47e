extension Tensor {
    /// The shape two tensors broadcast to (NumPy rules: align trailing axes, extents equal or 1), or nil.
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let x = i < r - a.count ? 1 : a[i - (r - a.count)]
            let y = i < r - b.count ? 1 : b[i - (r - b.count)]
            guard x == y || x == 1 || y == 1 else { return nil }
            out[i] = x == 1 ? y : x
        }
        return out
    }

    /// Element-wise product with NumPy broadcasting (TensorFlow Lite `MUL`): `z[i] = x[i] · y[i]`, one float32
    /// rounding per element. Shapes must broadcast (see ``broadcastShape(_:_:)``).
    public func multiplied(by other: Tensor) -> Tensor {
        guard let s = Tensor.broadcastShape(shape, other.shape) else {
            preconditionFailure("multiplied: \(shape) and \(other.shape) do not broadcast")
        }
        if shape == other.shape {
            return Tensor(shape: s) { out in
                values.withUnsafeBufferPointer { a in other.values.withUnsafeBufferPointer { b in
                    for i in 0..<out.count { out[i] = a[i] * b[i] }
                } }
            }
        }
        // One operand repeats whole along the leading axes (YAMNet's window: [96, 400] × [400]): a modulo index.
        for (big, small) in [(self, other), (other, self)] where big.shape == s && small.count > 0 {
            let drop = s.count - small.rank
            if drop >= 0, Array(s[drop...]) == small.shape {
                let m = small.count
                return Tensor(shape: s) { out in
                    big.values.withUnsafeBufferPointer { a in small.values.withUnsafeBufferPointer { b in
                        var i = 0
                        while i < out.count {
                            for j in 0..<m { out[i + j] = a[i + j] * b[j] }
                            i += m
                        }
                    } }
                }
            }
        }
        let ia = broadcastIndex(from: shape, to: s), ib = broadcastIndex(from: other.shape, to: s)
        return Tensor(shape: s) { out in
            values.withUnsafeBufferPointer { a in other.values.withUnsafeBufferPointer { b in
                for i in 0..<out.count { out[i] = a[ia[i]] * b[ib[i]] }
            } }
        }
    }

    /// For each element of `target` (row-major), the flat index of the source element it broadcasts from.
    func broadcastIndex(from source: [Int], to target: [Int]) -> [Int] {
        let r = target.count
        let src = [Int](repeating: 1, count: r - source.count) + source
        var strides = [Int](repeating: 0, count: r)
        var acc = 1
        for d in stride(from: r - 1, through: 0, by: -1) {
            strides[d] = src[d] == 1 ? 0 : acc
            acc *= src[d]
        }
        let n = Tensor.elementCount(target)
        var out = [Int](repeating: 0, count: n)
        var index = [Int](repeating: 0, count: r)
        var flat = 0
        for i in 0..<n {
            out[i] = flat
            var d = r - 1
            while d >= 0 {
                index[d] += 1
                flat += strides[d]
                if index[d] < target[d] { break }
                flat -= strides[d] * index[d]
                index[d] = 0
                d -= 1
            }
        }
        return out
    }
}
