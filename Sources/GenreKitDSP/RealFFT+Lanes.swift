/// Eight double-precision values, one per transform (``RealFFT/forward(lanes:re:im:work:)``).
public typealias FFTLanes = SIMD8<Double>

/// What ``RealFFT``'s transform computes with: a double, or doubles side by side in a vector's lanes. Only IEEE
/// addition, subtraction, negation and multiplication by a double, lane by lane (multiplication commutes exactly, so
/// `x · 0.5` is `0.5 · x`); no fused multiply-add.
protocol FFTValue {
    static var zero: Self { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func += (a: inout Self, b: Self)
    static func * (a: Self, b: Double) -> Self
    static prefix func - (a: Self) -> Self
}

extension Double: FFTValue {}
extension SIMD8: FFTValue where Scalar == Double {}

extension RealFFT {
    /// Transforms computed at once by ``forward(lanes:re:im:work:)``.
    public static let laneCount = FFTLanes.scalarCount

    /// ``forward(_:re:im:work:)`` of eight inputs at once, lane `l` of every vector belonging to input `l`:
    /// `input[n][l] = x_l[n]` (N vectors), `re[k][l]`, `im[k][l]` for k = 0…N/2, `work` N vectors.
    ///
    /// Both run one generic body, so every lane goes through the very operations of ``forward(_:re:im:work:)`` in the
    /// same order (IEEE operations lane by lane, no fused multiply-add): each lane's result equals that function's on
    /// the same input bit for bit; only the loop runs once for eight transforms.
    public func forward(lanes input: UnsafePointer<FFTLanes>, re: UnsafeMutablePointer<FFTLanes>,
                        im: UnsafeMutablePointer<FFTLanes>, work: UnsafeMutablePointer<FFTLanes>) {
        transform(input, re: re, im: im, work: work)
    }
}
