import Foundation
import GenreKitCore
import GenreKitNN

/// The deletion curve of a saliency map (Petsiuk et al. 2018): the class score as the most relevant mel × time
/// blocks of a window are set to silence (0) first, a fraction `k/steps` of the blocks at a time, normalised to run from 1 (nothing
/// deleted) to 0 (everything deleted): `d_k = (s_k − s_all)/(s_0 − s_all)`. A map that finds what the score
/// depends on drops faster than a random order, so its area (trapezoid over the fractions) is smaller.
public struct DeletionCurve: Sendable, Equatable {
    /// `d_0 … d_steps`.
    public var values: [Double]
    /// The raw scores `s_0 … s_steps`.
    public var scores: [Double]

    /// Trapezoid area under the normalised curve over `[0, 1]`.
    public var area: Double {
        let m = values.count - 1
        guard m > 0 else { return 0 }
        var a = 0.0
        for k in 0..<m { a += (values[k] + values[k + 1]) / 2 }
        return a / Double(m)
    }

    /// The curve of one window `patch` `[1, T, 96]` for class `c`, deleting blocks of `block` frames × bands (the
    /// units deleted; a block's relevance is the sum of its cells') in decreasing `relevance` (same shape as the
    /// patch; ties keep block order), or in a random order from `seed` when `relevance` is nil. Blocks rather than
    /// single cells keep random deletion from turning the spectrogram into salt-and-pepper noise that no music has.
    public static func compute(scorer: PatchScorer, patch: Tensor, class c: Int, relevance: Tensor?, steps: Int = 10,
                               block: (frames: Int, bands: Int) = (8, 8), seed: UInt64 = 0) -> DeletionCurve {
        let (t, bands) = (patch.shape[1], patch.shape[2])
        var blocks: [[Int]] = []
        for f in stride(from: 0, to: t, by: max(1, block.frames)) {
            for b in stride(from: 0, to: bands, by: max(1, block.bands)) {
                var cells: [Int] = []
                for i in f..<min(t, f + max(1, block.frames)) { for j in b..<min(bands, b + max(1, block.bands)) { cells.append(i * bands + j) } }
                blocks.append(cells)
            }
        }
        var order = Array(blocks.indices)
        if let r = relevance {
            let score = blocks.map { $0.reduce(0.0) { $0 + Double(r.values[$1]) } }
            order.sort { score[$0] != score[$1] ? score[$0] > score[$1] : $0 < $1 }
        } else {
            var g = SeededGenerator(seed: seed)
            g.shuffle(&order)
        }
        let cells = blocks.count
        let m = max(1, steps)
        var variants: [Tensor] = []
        var x = patch
        var done = 0
        for k in 0...m {
            let upTo = cells * k / m
            while done < upTo { for cell in blocks[order[done]] { x.values[cell] = 0 }; done += 1 }
            variants.append(x)
        }
        var scores: [Double] = []
        for start in stride(from: 0, to: variants.count, by: 8) {
            let part = Array(variants[start..<min(variants.count, start + 8)])
            scores += scorer.score(Tensor.stacking(part), class: c)
        }
        let s0 = scores[0], sAll = scores[m]
        let span = s0 - sAll
        return DeletionCurve(values: scores.map { span != 0 ? ($0 - sAll) / span : 0 }, scores: scores)
    }
}

extension SaliencyExplainer {
    /// Mean deletion-curve area over a map's windows, for the map's relevance order and for a random order (`seed`):
    /// the measurement behind `genrekit explain --deletion STEPS`.
    public func deletionAreas(_ map: SaliencyMap, steps: Int, seed: UInt64 = 0) -> (map: Double, random: Double) {
        guard let c = scorer.labels.firstIndex(of: map.label) else { return (.nan, .nan) }
        let (t, bands) = (map.windows.shape[1], map.windows.shape[2])
        let frames = map.logMel.shape[0]
        var sumMap = 0.0, sumRandom = 0.0
        for (w, start) in map.windowStartFrames.enumerated() {
            // The window's input as the network saw it (a short clip's window repeats its frames).
            let patch = Tensor(shape: [1, t, bands]) { out in
                for i in 0..<t {
                    let f = frames >= t ? start + i : i % max(frames, 1)
                    for b in 0..<bands { out[i * bands + b] = map.logMel.values[f * bands + b] }
                }
            }
            let relevance = map.relevance.items(w..<(w + 1))
            sumMap += DeletionCurve.compute(scorer: scorer, patch: patch, class: c, relevance: relevance, steps: steps).area
            sumRandom += DeletionCurve.compute(scorer: scorer, patch: patch, class: c, relevance: nil, steps: steps,
                                               seed: seed &+ UInt64(w)).area
        }
        let n = Double(max(1, map.windowStartFrames.count))
        return (sumMap / n, sumRandom / n)
    }
}
