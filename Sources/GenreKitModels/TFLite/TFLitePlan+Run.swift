import GenreKitNN

/// Running a compiled plan: the whole graph, or one operator alone (for per-operator tests).
extension TFLitePlan {
    /// Index of the tensor called `name`.
    public func tensorIndex(named name: String) -> Int? { tensorNames.firstIndex(of: name) }

    /// Runs the graph on `input` (its shape must be the input's declared shape) and returns the tensors `keeping`
    /// (indices), in that order.
    public func run(_ input: Tensor, keeping: [Int]) -> [Tensor] {
        precondition(input.shape == shapes[inputIndex], "TFLitePlan: input \(input.shape), expected \(shapes[inputIndex])")
        var slots = [Tensor?](repeating: nil, count: shapes.count)
        slots[inputIndex] = input
        for step in steps { execute(step, &slots) }
        return keeping.map { slots[$0]! }
    }

    /// The operator writing tensor `index` (operators and plan steps correspond one to one).
    public func operatorIndex(writing index: Int) -> Int? {
        steps.firstIndex { $0.output == index }
    }

    /// Runs operator `o` alone on `inputs` (tensor index → value for its non-constant inputs) and returns its output
    /// (for per-operator tests).
    public func evaluate(operator o: Int, inputs: [Int: Tensor]) -> Tensor {
        var slots = [Tensor?](repeating: nil, count: shapes.count)
        for (i, t) in inputs {
            precondition(t.shape == shapes[i], "evaluate: tensor \(i) is \(t.shape), expected \(shapes[i])")
            slots[i] = t
        }
        execute(steps[o], &slots)
        return slots[steps[o].output]!
    }

    /// Runs one step; with `batch` > 1 its tensors carry `batch` images on axis 0 (a step of the batchable tail, see
    /// ``run(batch:keeping:)``), so reshapes and the fully connected layers' output shapes take `batch` as axis 0.
    func execute(_ step: Step, _ slots: inout [Tensor?], batch: Int = 1) {
        func get(_ i: Int) -> Tensor { slots[i]! }
        func batched(_ s: [Int]) -> [Int] { batch == 1 || s.isEmpty ? s : [batch] + s.dropFirst() }
        func value(_ o: Operand) -> Tensor {
            switch o {
            case .slot(let i): return slots[i]!
            case .constant(let t): return t
            }
        }
        switch step {
        case .reshape(let i, let o, let s): slots[o] = get(i).reshaped(batched(s))
        case .gather(let i, let o, let idx, let ishape, let axis): slots[o] = get(i).gathering(idx, indexShape: ishape, axis: axis)
        case .mul(let a, let b, let o, let act): slots[o] = value(a).multiplied(by: value(b)).applying(act)
        case .pad(let i, let o, let p): slots[o] = get(i).padded(p)
        case .rfft(let i, let o, let f): slots[o] = f(get(i))
        case .complexAbs(let i, let o): slots[o] = get(i).complexMagnitude()
        case .hybridDense(let i, let o, let l): slots[o] = l(get(i).reshaped([-1, l.inputUnits])).reshaped(batched(shapes[o]))
        case .dense(let i, let o, let l): slots[o] = l(get(i).reshaped([-1, l.inputUnits])).reshaped(batched(shapes[o]))
        case .log(let i, let o): slots[o] = get(i).logarithm()
        case .conv(let i, let o, let l): slots[o] = l(get(i))
        case .depthwise(let i, let o, let l): slots[o] = l(get(i))
        case .hybridDepthwise(let i, let o, let l): slots[o] = l(get(i))
        case .mean(let i, let o, let axes, let keep): slots[o] = get(i).mean(axes: axes, keepDimensions: keep)
        case .logistic(let i, let o): slots[o] = get(i).applying(.sigmoid)
        }
    }
}

extension TFLitePlan.Step {
    var output: Int {
        switch self {
        case .reshape(_, let o, _), .gather(_, let o, _, _, _), .mul(_, _, let o, _), .pad(_, let o, _), .rfft(_, let o, _),
             .complexAbs(_, let o), .hybridDense(_, let o, _), .dense(_, let o, _), .log(_, let o), .conv(_, let o, _),
             .depthwise(_, let o, _), .hybridDepthwise(_, let o, _), .mean(_, let o, _, _), .logistic(_, let o):
            return o
        }
    }
}
