import GenreKitNN

/// A TensorFlow Lite graph compiled once into a fixed sequence of GenreKit layers.
///
/// Building the plan reads every operator's options and constants, dequantizes nothing that TensorFlow Lite keeps
/// int8 (hybrid kernels are reproduced in ``HybridDense`` / ``HybridDepthwiseConv2D``), infers every tensor's shape
/// and checks it against the shape the file declares, and validates indices and paddings — so running the plan
/// cannot fail or trap on a well-shaped input. Supported operators: RESHAPE, GATHER, MUL, PAD, RFFT2D,
/// COMPLEX_ABS, FULLY_CONNECTED, LOG, CONV_2D, DEPTHWISE_CONV_2D, MEAN, LOGISTIC (float32 activations; weights
/// float32 or int8 with per-tensor / per-channel scales).
///
/// Immutable and `Sendable`: ``run(_:keeping:)`` may be called from several threads at once.
public struct TFLitePlan: Sendable {
    /// `BuiltinOperator` codes used here (TensorFlow Lite `schema.fbs`).
    public enum Builtin: Int32, Sendable {
        case conv2D = 3, depthwiseConv2D = 4, fullyConnected = 9, logistic = 14, mul = 18, reshape = 22,
             pad = 34, gather = 36, mean = 40, log = 73, rfft2D = 131, complexAbs = 135
    }

    /// An operand: a tensor computed at run time, or a constant.
    enum Operand: Sendable {
        case slot(Int)
        case constant(Tensor)
    }

    enum Step: Sendable {
        case reshape(Int, Int, [Int])
        case gather(Int, Int, indices: [Int], indexShape: [Int], axis: Int)
        case mul(Operand, Operand, Int, Activation)
        case pad(Int, Int, [(before: Int, after: Int)])
        case rfft(Int, Int, RealFFT2D)
        case complexAbs(Int, Int)
        case hybridDense(Int, Int, HybridDense)
        case dense(Int, Int, Dense)
        case log(Int, Int)
        case conv(Int, Int, DirectConv2D)
        case depthwise(Int, Int, DepthwiseConv2D)
        case hybridDepthwise(Int, Int, HybridDepthwiseConv2D)
        case mean(Int, Int, [Int], Bool)
        case logistic(Int, Int)
    }

    let steps: [Step]
    /// First step of the tail that runs on a whole batch at once (``run(batch:keeping:)``).
    let batchStart: Int
    /// Tensor names, by index.
    public let tensorNames: [String]
    /// Inferred shapes (complex tensors carry a trailing axis of 2), by index.
    public let shapes: [[Int]]
    /// The graph's input and output tensor indices.
    public let inputIndex: Int
    public let outputIndices: [Int]

    /// Compiles `model`'s single subgraph (one float32 input).
    public init(model: TFLiteModelFile) throws {
        let m = model
        let r = m.reader
        guard m.inputs.count == 1 else { throw TFLiteError.unsupported("\(m.inputs.count) graph inputs (one expected)") }
        var shapes = [[Int]?](repeating: nil, count: m.tensors.count)
        inputIndex = m.inputs[0]
        guard m.tensors[inputIndex].type == .float32 else { throw TFLiteError.unsupported("input tensor is not float32") }
        shapes[inputIndex] = m.tensors[inputIndex].shape
        var steps: [Step] = []

        func name(_ i: Int) -> String { "'\(m.tensors[i].name)'" }
        func shape(_ i: Int, _ op: Int) throws -> [Int] {
            guard i >= 0, let s = shapes[i] else {
                throw TFLiteError.unsupported("operator \(op) reads tensor \(i), which no earlier operator computes and which is not a usable constant")
            }
            return s
        }
        func isConstant(_ i: Int) throws -> Bool {
            guard i >= 0 else { return false }
            return try m.constantBytes(of: i) != nil
        }
        func setOutput(_ i: Int, _ s: [Int], complex: Bool = false, _ op: Int) throws {
            let declared = m.tensors[i].shape
            let got = complex ? Array(s.dropLast()) : s
            guard declared == got || (declared.isEmpty && got.isEmpty) else {
                throw TFLiteError.malformed("operator \(op) output \(name(i)) is declared \(declared), computes \(got)")
            }
            guard shapes[i] == nil, !(try isConstant(i)) else { throw TFLiteError.malformed("tensor \(name(i)) is written twice") }
            let expectType: TFLiteModelFile.ElementType = complex ? .complex64 : .float32
            guard m.tensors[i].type == expectType else {
                throw TFLiteError.unsupported("operator \(op) output \(name(i)) is \(m.tensors[i].type), expected \(expectType)")
            }
            shapes[i] = s
        }
        func activation(_ code: Int8, _ op: Int) throws -> Activation {
            switch code {
            case 0: return .identity
            case 1: return .relu
            default: throw TFLiteError.unsupported("operator \(op) fused activation \(code) (only NONE and RELU)")
            }
        }
        func padding(_ code: Int8, _ op: Int) throws -> Padding {
            switch code {
            case 0: return .same
            case 1: return .valid
            default: throw TFLiteError.malformed("operator \(op) padding \(code)")
            }
        }
        func floatTensor(_ i: Int) throws -> Tensor {
            Tensor(shape: m.tensors[i].shape, values: try m.floatConstant(i))
        }
        func optionalBias(_ op: TFLiteModelFile.OperatorInfo, _ index: Int, count: Int, _ o: Int) throws -> [Float]? {
            guard op.inputs.count > index, op.inputs[index] >= 0 else { return nil }
            let b = try m.floatConstant(op.inputs[index])
            guard b.count == count else { throw TFLiteError.malformed("operator \(o) bias has \(b.count) values for \(count) channels") }
            return b
        }
        func scales(_ i: Int, channels: Int, dimension: Int, _ o: Int) throws -> [Float] {
            guard let q = m.tensors[i].quantization, !q.scale.isEmpty else {
                throw TFLiteError.malformed("int8 weights \(name(i)) have no quantization scale")
            }
            guard q.zeroPoint.allSatisfy({ $0 == 0 }) else {
                throw TFLiteError.unsupported("int8 weights \(name(i)) with non-zero zero points")
            }
            guard q.scale.count == 1 || (q.scale.count == channels && q.quantizedDimension == dimension) else {
                throw TFLiteError.malformed("int8 weights \(name(i)): \(q.scale.count) scales on axis \(q.quantizedDimension) for \(channels) channels")
            }
            guard q.scale.allSatisfy({ $0.isFinite }) else { throw TFLiteError.malformed("int8 weights \(name(i)) have a non-finite scale") }
            return q.scale
        }
        func need(_ op: TFLiteModelFile.OperatorInfo, inputs n: Int, _ o: Int) throws {
            guard op.inputs.count >= n, op.inputs.prefix(n).allSatisfy({ $0 >= 0 }), op.outputs.count == 1 else {
                throw TFLiteError.malformed("operator \(o) has \(op.inputs.count) inputs / \(op.outputs.count) outputs")
            }
        }

        for (o, op) in m.operators.enumerated() {
            guard let code = Builtin(rawValue: op.builtinCode) else {
                throw TFLiteError.unsupported("operator \(o) has builtin code \(op.builtinCode)\(op.customCode.map { " (custom \($0))" } ?? "")")
            }
            let opts = op.options
            switch code {
            case .reshape:
                try need(op, inputs: 1, o)
                let complex = m.tensors[op.inputs[0]].type == .complex64
                let s = complex ? Array(try shape(op.inputs[0], o).dropLast()) : try shape(op.inputs[0], o)
                var target: [Int]
                if op.inputs.count > 1, op.inputs[1] >= 0 {
                    target = try m.int32Constant(op.inputs[1]).map(Int.init)
                } else if let t = opts {
                    target = try r.int32Vector(t, 0).map(Int.init)
                } else {
                    target = m.tensors[op.outputs[0]].shape
                }
                let count = Tensor.elementCount(s)
                guard target.count <= 8, target.allSatisfy({ $0 >= -1 }), target.filter({ $0 == -1 }).count <= 1,
                      let known = TFLitePlan.checkedProduct(target.filter { $0 != -1 }) else {
                    throw TFLiteError.malformed("operator \(o) reshapes \(s) to \(target)")
                }
                if let k = target.firstIndex(of: -1) {
                    guard known > 0, count % known == 0 else { throw TFLiteError.malformed("operator \(o) reshapes \(s) to \(target)") }
                    target[k] = count / known
                }
                guard TFLitePlan.checkedProduct(target) == count else {
                    throw TFLiteError.malformed("operator \(o) reshapes \(s) to \(target)")
                }
                if complex { target.append(2) }
                try setOutput(op.outputs[0], target, complex: complex, o)
                steps.append(.reshape(op.inputs[0], op.outputs[0], target))

            case .gather:
                try need(op, inputs: 2, o)
                let s = try shape(op.inputs[0], o)
                var axis = Int(opts == nil ? 0 : try r.int32Field(opts!, 0))
                let batchDims = opts == nil ? 0 : try r.int32Field(opts!, 1)
                if axis < 0 { axis += s.count }
                guard axis >= 0, axis < s.count else { throw TFLiteError.malformed("operator \(o) gathers on axis \(axis) of \(s)") }
                guard batchDims == 0 else { throw TFLiteError.unsupported("operator \(o) GATHER with batch_dims \(batchDims)") }
                let idx = try m.int32Constant(op.inputs[1]).map(Int.init)
                guard idx.allSatisfy({ $0 >= 0 && $0 < s[axis] }) else {
                    throw TFLiteError.malformed("operator \(o) gathers an index outside 0..<\(s[axis])")
                }
                let ishape = m.tensors[op.inputs[1]].shape
                try setOutput(op.outputs[0], Array(s[..<axis]) + ishape + Array(s[(axis + 1)...]), o)
                steps.append(.gather(op.inputs[0], op.outputs[0], indices: idx, indexShape: ishape, axis: axis))

            case .mul:
                try need(op, inputs: 2, o)
                var operands: [Operand] = []
                var opShapes: [[Int]] = []
                for i in op.inputs.prefix(2) {
                    if try isConstant(i) {
                        let t = try floatTensor(i)
                        operands.append(.constant(t)); opShapes.append(t.shape)
                    } else {
                        operands.append(.slot(i)); opShapes.append(try shape(i, o))
                    }
                }
                guard let s = Tensor.broadcastShape(opShapes[0], opShapes[1]) else {
                    throw TFLiteError.malformed("operator \(o) multiplies \(opShapes[0]) by \(opShapes[1])")
                }
                let act = try activation(opts == nil ? 0 : try r.int8Field(opts!, 0), o)
                try setOutput(op.outputs[0], s, o)
                steps.append(.mul(operands[0], operands[1], op.outputs[0], act))

            case .pad:
                try need(op, inputs: 2, o)
                let s = try shape(op.inputs[0], o)
                let p = try m.int32Constant(op.inputs[1]).map(Int.init)
                guard p.count == 2 * s.count, p.allSatisfy({ $0 >= 0 && $0 < 1 << 24 }) else {
                    throw TFLiteError.malformed("operator \(o) pads \(s) by \(p)")
                }
                let pads = (0..<s.count).map { (before: p[2 * $0], after: p[2 * $0 + 1]) }
                try setOutput(op.outputs[0], zip(s, pads).map { $0 + $1.before + $1.after }, o)
                steps.append(.pad(op.inputs[0], op.outputs[0], pads))

            case .rfft2D:
                try need(op, inputs: 2, o)
                let s = try shape(op.inputs[0], o)
                let len = try m.int32Constant(op.inputs[1]).map(Int.init)
                guard s.count >= 2, s[s.count - 2] == 1, len.count == 2, len[0] == 1,
                      len[1] >= 4, len[1] <= 1 << 20, len[1] & (len[1] - 1) == 0 else {
                    throw TFLiteError.unsupported("operator \(o) RFFT2D of \(s) with fft_length \(len) (height-1 power-of-two FFTs only)")
                }
                try setOutput(op.outputs[0], Array(s.dropLast()) + [len[1] / 2 + 1, 2], complex: true, o)
                steps.append(.rfft(op.inputs[0], op.outputs[0], RealFFT2D(length: len[1])))

            case .complexAbs:
                try need(op, inputs: 1, o)
                let s = try shape(op.inputs[0], o)
                guard s.last == 2, m.tensors[op.inputs[0]].type == .complex64 else {
                    throw TFLiteError.unsupported("operator \(o) COMPLEX_ABS of a non-complex tensor")
                }
                try setOutput(op.outputs[0], Array(s.dropLast()), o)
                steps.append(.complexAbs(op.inputs[0], op.outputs[0]))

            case .log, .logistic:
                try need(op, inputs: 1, o)
                let s = try shape(op.inputs[0], o)
                guard m.tensors[op.inputs[0]].type == .float32 else { throw TFLiteError.unsupported("operator \(o) on a non-float tensor") }
                try setOutput(op.outputs[0], s, o)
                steps.append(code == .log ? .log(op.inputs[0], op.outputs[0]) : .logistic(op.inputs[0], op.outputs[0]))

            case .mean:
                try need(op, inputs: 2, o)
                let s = try shape(op.inputs[0], o)
                let axes = try m.int32Constant(op.inputs[1]).map { Int($0) < 0 ? Int($0) + s.count : Int($0) }
                guard axes.allSatisfy({ $0 >= 0 && $0 < s.count }), Set(axes).count == axes.count else {
                    throw TFLiteError.malformed("operator \(o) MEAN over axes \(axes) of \(s)")
                }
                guard axes.allSatisfy({ s[$0] > 0 }) else { throw TFLiteError.malformed("operator \(o) MEAN over an empty axis") }
                let keep = opts == nil ? false : try r.boolField(opts!, 0)
                let out = keep ? s.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
                    : s.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
                try setOutput(op.outputs[0], out, o)
                steps.append(.mean(op.inputs[0], op.outputs[0], axes, keep))

            case .fullyConnected:
                try need(op, inputs: 2, o)
                let s = try shape(op.inputs[0], o)
                let w = op.inputs[1]
                let ws = m.tensors[w].shape
                guard ws.count == 2, ws[1] > 0, !s.isEmpty, Tensor.elementCount(s) % ws[1] == 0 else {
                    throw TFLiteError.malformed("operator \(o) FULLY_CONNECTED of \(s) with weights \(ws)")
                }
                let units = ws[0], kk = ws[1]
                guard let t = opts else { throw TFLiteError.malformed("operator \(o) FULLY_CONNECTED without options") }
                let act = try activation(try r.int8Field(t, 0), o)
                guard try r.int8Field(t, 1) == 0 else { throw TFLiteError.unsupported("operator \(o) shuffled weights format") }
                let keepDims = try r.boolField(t, 2)
                let asymmetric = try r.boolField(t, 3)
                let rows = Tensor.elementCount(s) / kk
                let bias = try optionalBias(op, 2, count: units, o)
                let outShape = keepDims ? Array(s.dropLast()) + [units] : [rows, units]
                try setOutput(op.outputs[0], outShape, o)
                switch m.tensors[w].type {
                case .int8:
                    guard asymmetric else {
                        throw TFLiteError.unsupported("operator \(o) hybrid FULLY_CONNECTED with symmetric input quantization")
                    }
                    guard kk <= HybridDense.maximumExactInputUnits else { throw TFLiteError.unsupported("operator \(o) hybrid K = \(kk)") }
                    let sc = try scales(w, channels: units, dimension: 0, o)
                    steps.append(.hybridDense(op.inputs[0], op.outputs[0], HybridDense(
                        weights: try m.int8Constant(w), outputUnits: units, inputUnits: kk, scales: sc, bias: bias,
                        activation: act, grouping: .perRow)))
                case .float32:
                    let wv = try m.floatConstant(w)
                    var t = [Float](repeating: 0, count: wv.count)
                    for u in 0..<units { for k in 0..<kk { t[k * units + u] = wv[u * kk + k] } }
                    steps.append(.dense(op.inputs[0], op.outputs[0], Dense(weight: Tensor(shape: [kk, units], values: t), bias: bias, activation: act)))
                default:
                    throw TFLiteError.unsupported("operator \(o) FULLY_CONNECTED weights of type \(m.tensors[w].type)")
                }

            case .conv2D, .depthwiseConv2D:
                try need(op, inputs: 2, o)
                let s = try shape(op.inputs[0], o)
                let w = op.inputs[1]
                let ws = m.tensors[w].shape
                guard s.count == 4, ws.count == 4, ws.allSatisfy({ $0 > 0 }) else {
                    throw TFLiteError.malformed("operator \(o) convolution of \(s) with filter \(ws)")
                }
                guard let t = opts else { throw TFLiteError.malformed("operator \(o) convolution without options") }
                let pad = try padding(try r.int8Field(t, 0), o)
                let sw = Int(try r.int32Field(t, 1)), sh = Int(try r.int32Field(t, 2))
                guard sw >= 1, sh >= 1, sw <= 1 << 16, sh <= 1 << 16 else { throw TFLiteError.malformed("operator \(o) strides \(sh)×\(sw)") }
                let depthwise = code == .depthwiseConv2D
                let act = try activation(try r.int8Field(t, depthwise ? 4 : 3), o)
                let dw = try r.int32Field(t, depthwise ? 5 : 4, default: 1), dh = try r.int32Field(t, depthwise ? 6 : 5, default: 1)
                guard dw == 1, dh == 1 else { throw TFLiteError.unsupported("operator \(o) dilated convolution") }
                let (kh, kw) = (ws[1], ws[2])
                let c = s[3]
                let oh = pad.output(inputSize: s[1], kernel: kh, stride: sh).size
                let ow = pad.output(inputSize: s[2], kernel: kw, stride: sw).size
                if depthwise {
                    let outC = ws[3]
                    guard ws[0] == 1, c > 0, outC % c == 0 else { throw TFLiteError.malformed("operator \(o) depthwise filter \(ws) for \(c) channels") }
                    let mult = outC / c
                    let bias = try optionalBias(op, 2, count: outC, o)
                    try setOutput(op.outputs[0], [s[0], oh, ow, outC], o)
                    switch m.tensors[w].type {
                    case .int8:
                        let sc = try scales(w, channels: outC, dimension: 3, o)
                        steps.append(.hybridDepthwise(op.inputs[0], op.outputs[0], HybridDepthwiseConv2D(
                            filter: try m.int8Constant(w), scales: sc, kernelHeight: kh, kernelWidth: kw, inputChannels: c,
                            depthMultiplier: mult, bias: bias, strides: (sh, sw), padding: pad, activation: act)))
                    case .float32:
                        steps.append(.depthwise(op.inputs[0], op.outputs[0], DepthwiseConv2D(
                            filter: try m.floatConstant(w), kernelHeight: kh, kernelWidth: kw, inputChannels: c,
                            depthMultiplier: mult, bias: bias, strides: (sh, sw), padding: pad, activation: act)))
                    default:
                        throw TFLiteError.unsupported("operator \(o) depthwise weights of type \(m.tensors[w].type)")
                    }
                } else {
                    let outC = ws[0]
                    guard ws[3] == c else { throw TFLiteError.malformed("operator \(o) filter \(ws) for \(c) input channels") }
                    let bias = try optionalBias(op, 2, count: outC, o)
                    try setOutput(op.outputs[0], [s[0], oh, ow, outC], o)
                    switch m.tensors[w].type {
                    case .int8:
                        guard kh == 1, kw == 1, sh == 1, sw == 1 else {
                            throw TFLiteError.unsupported("operator \(o) hybrid CONV_2D with a \(kh)×\(kw) filter, stride \(sh)×\(sw) (1×1 stride 1 only)")
                        }
                        guard c <= HybridDense.maximumExactInputUnits else { throw TFLiteError.unsupported("operator \(o) hybrid K = \(c)") }
                        let sc = try scales(w, channels: outC, dimension: 0, o)
                        steps.append(.hybridDense(op.inputs[0], op.outputs[0], HybridDense(
                            weights: try m.int8Constant(w), outputUnits: outC, inputUnits: c, scales: sc, bias: bias,
                            activation: act, grouping: .perGroup(rows: s[1] * s[2]))))
                    case .float32:
                        steps.append(.conv(op.inputs[0], op.outputs[0], DirectConv2D(
                            filterOHWI: try m.floatConstant(w), outputChannels: outC, kernelHeight: kh, kernelWidth: kw,
                            inputChannels: c, bias: bias, strides: (sh, sw), padding: pad, activation: act)))
                    default:
                        throw TFLiteError.unsupported("operator \(o) convolution weights of type \(m.tensors[w].type)")
                    }
                }
            }
        }
        for out in m.outputs where shapes[out] == nil {
            throw TFLiteError.malformed("graph output \(name(out)) is never computed")
        }
        self.steps = steps
        self.shapes = shapes.map { $0 ?? [] }
        batchStart = Self.batchStart(steps: steps, shapes: self.shapes)
        tensorNames = m.tensors.map(\.name)
        outputIndices = m.outputs
    }

    /// The product of `extents`, or nil when it overflows or exceeds 2³⁰.
    static func checkedProduct(_ extents: [Int]) -> Int? {
        var p = 1
        for e in extents {
            let (v, o) = p.multipliedReportingOverflow(by: e)
            guard !o, v <= 1 << 30 else { return nil }
            p = v
        }
        return p
    }
}
