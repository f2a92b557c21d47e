import Foundation

extension AnyClassifier {
    /// Whether ``logitGradient(_:class:)`` is defined: logistic regression and the perceptron, behind optional
    /// standardisation and PCA. kNN, SVM and one-vs-rest are not (explain them by occlusion).
    public var isDifferentiable: Bool {
        switch self {
        case .logisticRegression, .multilayerPerceptron: return true
        case .pipeline(let p): return p.classifier.isDifferentiable
        default: return false
        }
    }

    /// Class `c`'s logit for each row of `x` and its gradient `∂logit/∂x` (`rows × d`), or nil when the
    /// classifier is not differentiable (``isDifferentiable``).
    ///
    /// The logit is the class's pre-softmax score: `z_c = w_c·x + b_c` (logistic regression; in the binomial case
    /// `±z`, the log-odds of the class), `z_c = W₂[:, c]·relu(W₁ᵀx + b₁) + b₂[c]` (perceptron). Behind a pipeline
    /// the gradient is chained through `(x − μ)/σ` (`∂/∂x = ∂/∂x' / σ`) and PCA (`∂/∂x = Vₖᵀ ∂/∂z`, divided by
    /// `√λ` when whitened). A class the classifier never saw has logit −∞ and gradient 0.
    public func logitGradient(_ x: Matrix, class c: Int) -> (logits: [Double], gradient: Matrix)? {
        switch self {
        case .logisticRegression(let m): return m.logitGradient(x, class: c)
        case .multilayerPerceptron(let m): return m.logitGradient(x, class: c)
        case .pipeline(let p):
            let z0 = p.scaler.map { $0.transform(x) } ?? x
            let z1 = p.pca.map { $0.transform(z0) } ?? z0
            guard var (logits, g) = p.classifier.logitGradient(z1, class: c) else { return nil }
            if let pca = p.pca {
                var gz = g
                if pca.whiten {
                    let k = pca.componentCount
                    for r in 0..<gz.rows {
                        for j in 0..<k {
                            let s = pca.explainedVariance[j].squareRoot()
                            gz.values[r * k + j] /= (s > 0 ? s : 1)
                        }
                    }
                }
                g = Matrix.gemm(gz, pca.components, transposeA: false, transposeB: false)
            }
            if let scaler = p.scaler, scaler.withStd {
                let d = g.cols
                for r in 0..<g.rows { for j in 0..<d { g.values[r * d + j] /= scaler.scale[j] } }
            }
            return (logits, g)
        default:
            return nil
        }
    }
}

extension LogisticRegression {
    func logitGradient(_ x: Matrix, class c: Int) -> (logits: [Double], gradient: Matrix) {
        let d = featureCount
        var grad = Matrix(rows: x.rows, cols: d)
        guard fittedClasses.count >= 2, let j = fittedClasses.firstIndex(of: c) else {
            return ([Double](repeating: fittedClasses == [c] ? .infinity : -.infinity, count: x.rows), grad)
        }
        let z = decisionFunction(x)
        let sign: Double = isBinomial ? (j == 1 ? 1 : -1) : 1
        let row = isBinomial ? 0 : j
        let k = z.cols
        for r in 0..<x.rows { for i in 0..<d { grad.values[r * d + i] = sign * coefficients[row, i] } }
        return ((0..<x.rows).map { sign * z.values[$0 * k + row] }, grad)
    }
}

extension MultilayerPerceptron {
    func logitGradient(_ x: Matrix, class c: Int) -> (logits: [Double], gradient: Matrix) {
        let net = network
        let (d, h, k) = (net.inputs, net.hidden, net.outputs)
        var grad = Matrix(rows: x.rows, cols: d)
        guard c < k else { return ([Double](repeating: -.infinity, count: x.rows), grad) }
        let a = net.hiddenActivations(x.values, rows: x.rows)
        var logits = [Double](repeating: 0, count: x.rows)
        for r in 0..<x.rows {
            var z = net.b2[c]
            for j in 0..<h where a[r * h + j] > 0 {
                let w = net.w2[j * k + c]
                z += a[r * h + j] * w
                for i in 0..<d { grad.values[r * d + i] += w * net.w1[i * h + j] }
            }
            logits[r] = z
        }
        return (logits, grad)
    }
}
