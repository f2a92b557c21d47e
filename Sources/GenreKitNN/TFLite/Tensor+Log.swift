import Foundation

extension Tensor {
    /// Natural logarithm element-wise (TensorFlow Lite `LOG`): `y = logf(x)` (C library, as TensorFlow Lite's
    /// `std::log` on float); `log(0) = −∞`, negative inputs give NaN.
    public func logarithm() -> Tensor {
        Tensor(shape: shape) { out in
            values.withUnsafeBufferPointer { x in for i in 0..<out.count { out[i] = Foundation.log(x[i]) } }
        }
    }
}
