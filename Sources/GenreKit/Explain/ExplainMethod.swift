/// How a saliency map over a log-mel patch is computed (``SaliencyExplainer``).
public enum ExplainMethod: String, Sendable, Codable, CaseIterable {
    /// `∂s/∂x`: the class score's gradient with respect to each log-mel cell (Simonyan et al. 2014).
    case gradient
    /// `(1/N) Σ ∂s/∂x (x + εᵢ)`, `εᵢ ~ N(0, σ²)`, `σ = noise · (max x − min x)` (Smilkov et al. 2017), seeded.
    case smoothgrad
    /// `(x − x₀) · ∫₀¹ ∂s/∂x (x₀ + α(x − x₀)) dα` from the silence baseline `x₀ = 0` (Sundararajan et al. 2017),
    /// trapezoid rule over `steps` intervals; the attributions sum to `s(x) − s(x₀)` (completeness).
    case integrated
    /// The score drop `s(x) − s(x with a mel × time patch set to silence)`, averaged over the patches covering a
    /// cell (Zeiler & Fergus 2014); needs no gradient, so it explains any model (kNN, SVM).
    case occlusion
    /// Grad-CAM (Selvaraju et al. 2017) on the maps the back end pools (front end and mid end, `T × C`):
    /// `relu(Σ_k α_k A_k(t))`, `α_k = mean_t ∂s/∂A_k(t)`. The front end pools frequency away, so the map is a
    /// function of time only, spread over all mel bands.
    case gradcam

    /// Whether the method needs the score's gradient.
    public var needsGradient: Bool { self != .occlusion }
}

/// Settings of the explanation methods.
public struct ExplainOptions: Sendable, Codable, Equatable {
    /// SmoothGrad samples.
    public var samples: Int = 16
    /// SmoothGrad noise level (fraction of the patch's value range).
    public var noise: Double = 0.15
    /// Integrated-gradient intervals.
    public var steps: Int = 32
    /// Occlusion patch, frames × mel bands (stepped by its own size).
    public var occlusionFrames: Int = 16
    public var occlusionBands: Int = 8
    public var seed: UInt64 = 0

    public init() {}
}
