/// Gradients of a dense layer's linear part `z = x·W + b`.
public struct DenseGradients: Sendable, Equatable {
    /// `∂L/∂x`, shape of the input.
    public var input: Tensor
    /// `∂L/∂W`, `[in, out]`.
    public var weight: Tensor
    /// `∂L/∂b`, `[out]`.
    public var bias: [Float]
}

/// Backward pass of a dense layer's linear part (activation and batch norm are separate steps).
///
/// For `x` viewed as `[rows, in]` (leading axes flattened), `G = ∂L/∂z` `[rows, out]`:
///
///     ∂L/∂x = G · Wᵀ        ∂L/∂W = xᵀ · G        ∂L/∂b[o] = Σ_r G[r, o]
///
/// The two products run in `precision`: fp32 (`cblas_sgemm`) or bf16 (operands rounded to bfloat16, float32 sums,
/// ``BFloat16GEMM``); the bias sum is float32 either way.
public struct DenseBackward: Sendable, Equatable {
    /// `[in, out]`.
    public let weight: Tensor

    public init(weight: Tensor) {
        precondition(weight.rank == 2, "DenseBackward: weight must be [in, out], got \(weight.shape)")
        self.weight = weight
    }

    public init(_ dense: Dense) { self.init(weight: dense.weight) }

    public func callAsFunction(input x: Tensor, outputGradient dz: Tensor, precision: InferencePrecision = .fp32) -> DenseGradients {
        let ni = weight.shape[0], no = weight.shape[1]
        precondition(x.rank >= 1 && x.shape.last == ni, "DenseBackward: input \(x.shape) vs weight \(weight.shape)")
        precondition(dz.shape == Array(x.shape.dropLast()) + [no], "DenseBackward: gradient \(dz.shape) vs input \(x.shape)")
        let rows = ni == 0 ? dz.count / Swift.max(no, 1) : x.count / ni
        var dx = [Float](repeating: 0, count: x.count)
        var dw = [Float](repeating: 0, count: ni * no)
        var db = [Float](repeating: 0, count: no)
        dz.values.withUnsafeBufferPointer { g in
            for r in 0..<rows { for o in 0..<no { db[o] += g[r * no + o] } }
        }
        if rows > 0 && ni > 0 && no > 0 {
            x.values.withUnsafeBufferPointer { xb in
            dz.values.withUnsafeBufferPointer { gb in
            weight.values.withUnsafeBufferPointer { wb in
            dx.withUnsafeMutableBufferPointer { dxb in
            dw.withUnsafeMutableBufferPointer { dwb in
                TrainingGEMM.gemm(m: rows, n: ni, k: no, a: gb.baseAddress!, lda: no, b: wb.baseAddress!, ldb: no,
                                  transposeB: true, c: dxb.baseAddress!, ldc: ni, precision: precision)
                TrainingGEMM.gemm(m: ni, n: no, k: rows, a: xb.baseAddress!, lda: ni, transposeA: true,
                                  b: gb.baseAddress!, ldb: no, c: dwb.baseAddress!, ldc: no, precision: precision)
            }}}}}
        }
        return DenseGradients(input: Tensor(shape: x.shape, values: dx),
                              weight: Tensor(shape: weight.shape, values: dw), bias: db)
    }
}
