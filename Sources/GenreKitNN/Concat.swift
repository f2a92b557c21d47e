extension Tensor {
    /// Concatenation along `axis`: all parts share every other extent, and
    /// `y[…, offset_p + k, …] = part_p[…, k, …]` with `offset_p = Σ_{q<p} part_q.shape[axis]`.
    public static func concatenate(_ parts: [Tensor], alongAxis axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concatenate: no parts")
        let r = parts[0].rank
        precondition(axis >= 0 && axis < r, "concatenate: axis \(axis) for rank \(r)")
        var outShape = parts[0].shape
        outShape[axis] = 0
        for p in parts {
            precondition(p.rank == r, "concatenate: ranks differ")
            for d in 0..<r where d != axis {
                precondition(p.shape[d] == parts[0].shape[d], "concatenate: \(p.shape) vs \(parts[0].shape) on axis \(d)")
            }
            outShape[axis] += p.shape[axis]
        }
        let outer = outShape[..<axis].reduce(1, *)
        let inner = outShape[(axis + 1)...].reduce(1, *)
        let outRow = outShape[axis] * inner
        return Tensor(shape: outShape) { out in
            var offset = 0
            for p in parts {
                let chunk = p.shape[axis] * inner
                p.values.withUnsafeBufferPointer { src in
                    for o in 0..<outer where chunk > 0 {
                        (out.baseAddress! + o * outRow + offset).update(from: src.baseAddress! + o * chunk, count: chunk)
                    }
                }
                offset += chunk
            }
        }
    }
}
