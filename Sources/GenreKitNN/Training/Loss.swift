/// A scalar loss and its gradient with respect to the logits.
public struct LossResult: Sendable, Equatable {
    public var loss: Float
    /// `∂loss/∂logits`, shape of the logits.
    public var gradient: Tensor
}
