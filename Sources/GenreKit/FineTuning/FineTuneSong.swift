/// A labelled song for fine-tuning.
public struct FineTuneSong: Sendable {
    public var path: String
    /// Index into the run's labels.
    public var label: Int
    public init(path: String, label: Int) { self.path = path; self.label = label }
}
