/// The bfloat16 operands of ``ConvMaxOverWidthTraining``'s block products: every kernel rounded once per pass, and
/// per worker thread the rounded im2col block of the current convolution and the rounded `∂L/∂z`.
final class BF16Operands: @unchecked Sendable {
    private let kernels: [UnsafeMutablePointer<UInt16>]
    private let blocks: [UnsafeMutablePointer<UInt16>]
    private let gradients: [UnsafeMutablePointer<UInt16>]

    /// nil unless `precision` is bf16. `rows` is the most im2col rows of a block, `rowLength` `kw·cin`.
    init?(_ convs: [Conv2D], precision: InferencePrecision, threads: Int, rows: Int, rowLength: Int) {
        guard precision == .bf16 else { return nil }
        kernels = convs.map { c in
            let p = UnsafeMutablePointer<UInt16>.allocate(capacity: Swift.max(c.kernel.count, 1))
            c.kernel.values.withUnsafeBufferPointer { LowPrecision.toBFloat16($0.baseAddress!, p, count: c.kernel.count) }
            return p
        }
        let maxK = Swift.max(convs.map { $0.kernelHeight * rowLength }.max() ?? 1, 1)
        let maxCo = Swift.max(convs.map(\.outputChannels).max() ?? 1, 1)
        blocks = (0..<threads).map { _ in .allocate(capacity: rows * maxK) }
        gradients = (0..<threads).map { _ in .allocate(capacity: rows * maxCo) }
    }

    func deallocate() {
        (kernels + blocks + gradients).forEach { $0.deallocate() }
    }

    /// `z[m × n] = round(A)·round(W_conv)`, A `m × k` with row stride `lda`; false when oneDNN cannot run it.
    func forward(m: Int, n: Int, k: Int, conv: Int, thread: Int, a: UnsafePointer<Float>, lda: Int,
                 z: UnsafeMutablePointer<Float>) -> Bool {
        BFloat16GEMM.round(a, rows: m, cols: k, ld: lda, into: blocks[thread])
        do {
            try BFloat16GEMM.run(m: m, n: n, k: k, a: blocks[thread], b: kernels[conv], c: z, ldc: n)
            return true
        } catch {
            return false
        }
    }

    /// `∂W[m × n] += round(A)ᵀ·round(∂z)` with the A of the thread's last ``forward`` (`rows × m`) and `∂z` `rows × n`;
    /// false when oneDNN cannot run it.
    func kernelGradient(m: Int, n: Int, rows: Int, thread: Int, dz: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>) -> Bool {
        LowPrecision.toBFloat16(dz, gradients[thread], count: rows * n)
        do {
            try BFloat16GEMM.run(m: m, n: n, k: rows, a: blocks[thread], transposeA: true, b: gradients[thread], c: dw, ldc: n,
                                 accumulate: true)
            return true
        } catch {
            return false
        }
    }
}
