import GenreKitNN

/// Running a plan on several inputs at once: the per-input head of the graph runs input by input, the tail from
/// ``batchStart`` on runs once on all of them stacked along axis 0, so each tail layer is one large GEMM (BLAS packs
/// its weights once per batch instead of once per input).
///
/// The tail is the longest run of final steps whose tensors all have a leading axis of 1 and that treat axis 0 as a
/// batch: convolutions (NHWC), fully connected layers (row-wise; hybrid layers quantize per image or per row, as for
/// one input), element-wise operators, MEAN and GATHER not over axis 0, PAD not on axis 0, RESHAPE keeping axis 0.
/// Every such operator computes each image from that image alone, in the same order as for one input, so the
/// batched result is bit for bit the per-input one (``run(batch:keeping:)`` falls back to per-input runs when a kept
/// tensor lies before the tail).
extension TFLitePlan {
    /// First step of the batchable tail (`steps.count` when there is none).
    static func batchStart(steps: [Step], shapes: [[Int]]) -> Int {
        func leadingOne(_ i: Int) -> Bool { shapes[i].first == 1 }
        func safe(_ step: Step) -> Bool {
            switch step {
            case .reshape(let i, let o, let target): return leadingOne(i) && leadingOne(o) && target.first == 1
            case .gather(let i, let o, _, _, let axis): return axis != 0 && leadingOne(i) && leadingOne(o)
            case .mul(let a, let b, let o, _):
                let rank = shapes[o].count
                func ok(_ x: Operand) -> Bool {
                    switch x {
                    case .slot(let i): return leadingOne(i) && shapes[i].count == rank
                    case .constant(let t): return t.rank < rank || t.shape.first == 1
                    }
                }
                return leadingOne(o) && ok(a) && ok(b)
            case .pad(let i, let o, let p): return leadingOne(i) && leadingOne(o) && p.first.map { $0.before == 0 && $0.after == 0 } ?? false
            case .rfft(let i, let o, _), .complexAbs(let i, let o), .log(let i, let o), .logistic(let i, let o),
                 .hybridDense(let i, let o, _), .dense(let i, let o, _), .conv(let i, let o, _), .depthwise(let i, let o, _),
                 .hybridDepthwise(let i, let o, _):
                return leadingOne(i) && leadingOne(o) && shapes[i].count >= 2
            case .mean(let i, let o, let axes, _): return !axes.contains(0) && leadingOne(i) && leadingOne(o)
            }
        }
        var k = steps.count
        while k > 0, safe(steps[k - 1]) { k -= 1 }
        return k
    }

    /// The steps' inputs that are slots (constants excluded).
    static func slotInputs(_ step: Step) -> [Int] {
        switch step {
        case .reshape(let i, _, _), .gather(let i, _, _, _, _), .pad(let i, _, _), .rfft(let i, _, _), .complexAbs(let i, _),
             .hybridDense(let i, _, _), .dense(let i, _, _), .log(let i, _), .conv(let i, _, _), .depthwise(let i, _, _),
             .hybridDepthwise(let i, _, _), .mean(let i, _, _, _), .logistic(let i, _):
            return [i]
        case .mul(let a, let b, _, _):
            return [a, b].compactMap { if case .slot(let i) = $0 { return i } else { return nil } }
        }
    }

    /// Runs the graph on every input of `batch` (each of the input's declared shape) and returns the tensors `keeping`,
    /// each the inputs' results stacked along axis 0 (`[n·d₀, d₁, …]`); equal, value for value, to ``run(_:keeping:)``
    /// on each input. Runs on the calling thread.
    public func run(batch: [Tensor], keeping: [Int]) -> [Tensor] {
        precondition(!batch.isEmpty, "TFLitePlan.run(batch:): no inputs")
        let k = batchStart
        let tailOutputs = Set(steps[k...].map(\.output))
        guard k < steps.count, keeping.allSatisfy(tailOutputs.contains) else {
            let each = batch.map { run($0, keeping: keeping) }
            return keeping.indices.map { j in Tensor.stacking(each.map { $0[j] }) }
        }
        // The tensors the tail reads that the head computes (or the input).
        let boundary = Array(Set(steps[k...].flatMap(Self.slotInputs)).subtracting(tailOutputs)).sorted()
        var heads: [[Tensor]] = []
        heads.reserveCapacity(batch.count)
        for input in batch {
            precondition(input.shape == shapes[inputIndex], "TFLitePlan: input \(input.shape), expected \(shapes[inputIndex])")
            var slots = [Tensor?](repeating: nil, count: shapes.count)
            slots[inputIndex] = input
            for step in steps[..<k] { execute(step, &slots) }
            heads.append(boundary.map { slots[$0]! })
        }
        var slots = [Tensor?](repeating: nil, count: shapes.count)
        for (j, b) in boundary.enumerated() { slots[b] = Tensor.stacking(heads.map { $0[j] }) }
        for step in steps[k...] { execute(step, &slots, batch: batch.count) }
        return keeping.map { slots[$0]! }
    }
}
