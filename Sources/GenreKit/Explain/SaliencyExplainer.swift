import Foundation
import GenreKitCore
import GenreKitDSP
import GenreKitNN

/// Saliency maps of a class over log-mel windows (``ExplainMethod``), one window at a time so memory stays that of
/// one gradient pass (~100 MB for musicnn's 3-s window).
public struct SaliencyExplainer: Sendable {
    public let scorer: PatchScorer
    public var options: ExplainOptions
    /// Patches scored per forward pass in occlusion and deletion curves.
    public var batch: Int = 8

    public init(scorer: PatchScorer, options: ExplainOptions = ExplainOptions()) {
        self.scorer = scorer
        self.options = options
    }

    /// The map of class `c` for every window of `patches` `[n, T, 96]`: `[n, T, 96]`, same layout.
    /// - Throws: ``ExplainError/notDifferentiable(classifier:method:)`` for a gradient method on kNN/SVM.
    public func explain(_ patches: Tensor, class c: Int, method: ExplainMethod) throws -> Tensor {
        if method.needsGradient && !scorer.isDifferentiable {
            throw ExplainError.notDifferentiable(classifier: scorer.headName, method: method.rawValue)
        }
        let n = patches.shape[0]
        var out: [Tensor] = []
        for w in 0..<n {
            let x = patches.items(w..<(w + 1))
            switch method {
            case .gradient: out.append(scorer.gradient(x, class: c).input)
            case .smoothgrad: out.append(smoothGrad(x, class: c, window: w))
            case .integrated: out.append(integratedGradients(x, class: c))
            case .occlusion: out.append(occlusion(x, class: c))
            case .gradcam: out.append(gradCAM(x, class: c))
            }
        }
        return Tensor.stacking(out).reshaped(patches.shape)
    }

    /// What ranks cells in a deletion curve and colours the picture: the estimated score drop when the cell goes
    /// silent — `∂s/∂x ⊙ x` (first order) for the gradient and SmoothGrad maps, the map itself for the others
    /// (integrated gradients, occlusion and Grad-CAM already are score contributions).
    public static func relevance(_ map: Tensor, patches: Tensor, method: ExplainMethod) -> Tensor {
        switch method {
        case .gradient, .smoothgrad:
            return Tensor(shape: map.shape) { out in
                for i in 0..<map.count { out[i] = map.values[i] * patches.values[i] }
            }
        case .integrated, .occlusion, .gradcam:
            return map
        }
    }

    func smoothGrad(_ x: Tensor, class c: Int, window: Int) -> Tensor {
        var g = SeededGenerator(seed: options.seed &+ UInt64(window) &* 0x9E37_79B9_7F4A_7C15)
        let lo = x.values.min() ?? 0, hi = x.values.max() ?? 0
        let sigma = Float(options.noise) * (hi - lo)
        let m = max(1, options.samples)
        var sum = Tensor(shape: x.shape)
        for _ in 0..<m {
            let noisy = Tensor(shape: x.shape) { out in
                for i in 0..<x.count { out[i] = x.values[i] + sigma * Float(g.nextGaussian()) }
            }
            sum = sum + scorer.gradient(noisy, class: c).input
        }
        return Self.scaled(sum, 1 / Float(m))
    }

    /// `x ⊙ (1/m) Σ_k w_k ∂s/∂x(k·x/m)`, `k = 0…m`, trapezoid weights (`½` at both ends).
    func integratedGradients(_ x: Tensor, class c: Int) -> Tensor {
        let m = max(1, options.steps)
        var sum = Tensor(shape: x.shape)
        for k in 0...m {
            let a = Float(k) / Float(m)
            let g = scorer.gradient(Self.scaled(x, a), class: c).input
            sum = sum + Self.scaled(g, (k == 0 || k == m) ? 0.5 : 1)
        }
        return Tensor(shape: x.shape) { out in
            for i in 0..<x.count { out[i] = x.values[i] * sum.values[i] / Float(m) }
        }
    }

    func gradCAM(_ x: Tensor, class c: Int) -> Tensor {
        let r = scorer.gradient(x, class: c)
        let (t, ch) = (r.maps.shape[1], r.maps.shape[2])
        var alpha = [Float](repeating: 0, count: ch)
        for i in 0..<t { for k in 0..<ch { alpha[k] += r.mapGradient.values[i * ch + k] / Float(t) } }
        let bands = x.shape[2]
        return Tensor(shape: x.shape) { out in
            for i in 0..<t {
                var s: Float = 0
                for k in 0..<ch { s += alpha[k] * r.maps.values[i * ch + k] }
                for b in 0..<bands { out[i * bands + b] = max(s, 0) }
            }
        }
    }

    /// The regions of the occlusion grid: frame and band ranges.
    func occlusionRegions(frames: Int, bands: Int) -> [(Range<Int>, Range<Int>)] {
        let pf = max(1, options.occlusionFrames), pb = max(1, options.occlusionBands)
        var regions: [(Range<Int>, Range<Int>)] = []
        for f in stride(from: 0, to: frames, by: pf) {
            for b in stride(from: 0, to: bands, by: pb) { regions.append((f..<min(frames, f + pf), b..<min(bands, b + pb))) }
        }
        return regions
    }

    func occlusion(_ x: Tensor, class c: Int) -> Tensor {
        let (t, bands) = (x.shape[1], x.shape[2])
        let base = scorer.score(x, class: c)[0]
        let regions = occlusionRegions(frames: t, bands: bands)
        var map = Tensor(shape: x.shape)
        for start in stride(from: 0, to: regions.count, by: max(1, batch)) {
            let part = regions[start..<min(regions.count, start + max(1, batch))]
            let variants = part.map { region -> Tensor in
                var v = x
                for f in region.0 { for b in region.1 { v.values[f * bands + b] = 0 } }
                return v
            }
            let scores = scorer.score(Tensor.stacking(variants).reshaped([variants.count, t, bands]), class: c)
            for (region, s) in zip(part, scores) {
                for f in region.0 { for b in region.1 { map.values[f * bands + b] = Float(base - s) } }
            }
        }
        return map
    }

    static func scaled(_ t: Tensor, _ a: Float) -> Tensor {
        Tensor(shape: t.shape) { out in for i in 0..<t.count { out[i] = t.values[i] * a } }
    }
}
