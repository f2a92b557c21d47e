extension Tensor {
    /// Axis permutation (TensorFlow `tf.transpose(x, perm)`): `y.shape[d] = x.shape[perm[d]]` and
    /// `y[i_0, …, i_{r−1}] = x[j]` with `j[perm[d]] = i_d`.
    public func transposed(_ perm: [Int]) -> Tensor {
        precondition(perm.count == rank && Set(perm) == Set(0..<rank), "transposed: bad permutation \(perm)")
        let outShape = perm.map { shape[$0] }
        let inStrides = strides
        let permStrides = perm.map { inStrides[$0] }
        return Tensor(shape: outShape) { out in
            values.withUnsafeBufferPointer { x in
                if out.isEmpty { return }
                var index = [Int](repeating: 0, count: rank)
                var src = 0
                for o in 0..<out.count {
                    out[o] = x[src]
                    var d = rank - 1
                    while d >= 0 {
                        index[d] += 1
                        src += permStrides[d]
                        if index[d] < outShape[d] { break }
                        src -= permStrides[d] * outShape[d]
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
    }
}
