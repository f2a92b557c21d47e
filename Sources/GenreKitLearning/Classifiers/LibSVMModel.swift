import CSVM
import Foundation

/// Owns a libsvm problem (dense rows written as complete `svm_node` lists, so kernel sums
/// run over the features in the same order as scikit-learn's dense libsvm) and the model
/// trained on it. Freed on deinit. Internal: `SupportVectorMachine` copies everything it
/// needs into Swift arrays right after training.
final class LibSVMModel {
    let rowCount: Int
    let featureCount: Int
    private let nodes: UnsafeMutablePointer<svm_node>
    private let rowPointers: UnsafeMutablePointer<UnsafeMutablePointer<svm_node>?>
    private let targets: UnsafeMutablePointer<Double>
    private var weightLabels: UnsafeMutablePointer<Int32>?
    private var weightValues: UnsafeMutablePointer<Double>?
    private(set) var model: UnsafeMutablePointer<svm_model>?
    /// Row of the caller's matrix behind each problem row (the problem is sorted by label).
    let problemOrder: [Int]

    struct Parameters {
        var linear: Bool
        var gamma: Double
        var c: Double
        var tolerance: Double
        var cacheSizeMB: Double
        var shrinking: Bool
        var probability: Bool
        var classWeights: [(label: Int, weight: Double)]
        var seed: UInt32
    }

    /// Trains C-SVC. Rows are passed to libsvm stably sorted by label, so libsvm's class
    /// order (first appearance) is ascending, the same grouping scikit-learn's libsvm uses.
    convenience init(x: Matrix, labels: [Int], parameters p: Parameters) throws {
        let d = x.cols
        try self.init(rowCount: x.rows, nodesPerRow: d + 1, featureCount: d, labels: labels, parameters: p,
                      kernelType: Int32(p.linear ? LINEAR : RBF)) { src, base in
            x.values.withUnsafeBufferPointer { v in
                for c in 0..<d { base[c] = svm_node(index: Int32(c + 1), value: v[src * d + c]) }
            }
            base[d] = svm_node(index: -1, value: 0)
        }
    }

    /// Trains C-SVC on a precomputed kernel (libsvm `-t 4`): `kernel(i, j)` is `K(x_i, x_j)` for training rows
    /// `i, j` in the caller's order. Each problem row is `[0: i + 1, 1…n: K(x_i, x_1…x_n)]`, so libsvm looks kernel
    /// values up instead of summing over features; `parameters.linear` and `gamma` are not used.
    convenience init(precomputedRows n: Int, labels: [Int], parameters p: Parameters,
                     kernel: (_ row: Int, _ into: UnsafeMutableBufferPointer<Double>) -> Void) throws {
        var rowValues = [Double](repeating: 0, count: n)
        try self.init(rowCount: n, nodesPerRow: n + 2, featureCount: n, labels: labels, parameters: p,
                      kernelType: Int32(PRECOMPUTED)) { src, base in
            rowValues.withUnsafeMutableBufferPointer { kernel(src, $0) }
            base[0] = svm_node(index: 0, value: Double(src + 1))
            for j in 0..<n { base[j + 1] = svm_node(index: Int32(j + 1), value: rowValues[j]) }
            base[n + 1] = svm_node(index: -1, value: 0)
        }
    }

    private init(rowCount n: Int, nodesPerRow: Int, featureCount: Int, labels: [Int], parameters p: Parameters,
                 kernelType: Int32, fillRow: (_ source: Int, _ nodes: UnsafeMutablePointer<svm_node>) -> Void) throws {
        rowCount = n
        self.featureCount = featureCount
        problemOrder = (0..<n).sorted { labels[$0] < labels[$1] || (labels[$0] == labels[$1] && $0 < $1) }
        nodes = .allocate(capacity: n * nodesPerRow)
        rowPointers = .allocate(capacity: n)
        targets = .allocate(capacity: n)
        for (r, src) in problemOrder.enumerated() {
            let base = nodes + r * nodesPerRow
            fillRow(src, base)
            rowPointers[r] = base
            targets[r] = Double(labels[src])
        }
        var problem = svm_problem(l: Int32(n), y: targets, x: rowPointers)
        var param = svm_parameter()
        param.svm_type = Int32(C_SVC)
        param.kernel_type = kernelType
        param.degree = 3
        param.gamma = p.gamma
        param.coef0 = 0
        param.cache_size = p.cacheSizeMB
        param.eps = p.tolerance
        param.C = p.c
        param.nu = 0.5
        param.p = 0.1
        param.shrinking = p.shrinking ? 1 : 0
        param.probability = p.probability ? 1 : 0
        if !p.classWeights.isEmpty {
            let wl = UnsafeMutablePointer<Int32>.allocate(capacity: p.classWeights.count)
            let wv = UnsafeMutablePointer<Double>.allocate(capacity: p.classWeights.count)
            for (i, cw) in p.classWeights.enumerated() {
                wl[i] = Int32(cw.label)
                wv[i] = cw.weight
            }
            weightLabels = wl
            weightValues = wv
            param.nr_weight = Int32(p.classWeights.count)
            param.weight_label = wl
            param.weight = wv
        }
        if let message = svm_check_parameter(&problem, &param) {
            throw LearningError.libsvm(String(cString: message))
        }
        LibSVMModel.silence()
        if p.probability {
            // libsvm draws the probability cross-validation folds with the C library's one global rand(): seeding
            // and training happen under one process-wide lock, so fits running in parallel cannot interleave their
            // draws and the folds (hence probA/probB) depend on the seed alone.
            LibSVMModel.randLock.lock()
            defer { LibSVMModel.randLock.unlock() }
            srand(p.seed)
            model = svm_train(&problem, &param)
        } else {
            model = svm_train(&problem, &param)   // no rand() without probability estimates
        }
    }

    /// Serialises `srand` + `svm_train` of fits with probability estimates (see `init`).
    private static let randLock = NSLock()

    deinit {
        if model != nil { svm_free_and_destroy_model(&model) }
        nodes.deallocate()
        rowPointers.deallocate()
        targets.deallocate()
        weightLabels?.deallocate()
        weightValues?.deallocate()
    }

    private static let silenced: Void = {
        svm_set_print_string_function { _ in }
    }()

    static func silence() { _ = silenced }

    /// libsvm's own decision values (`svm_predict_values`) and probabilities
    /// (`svm_predict_probability`) for the rows of `x`; used by tests to check the Swift port.
    func libsvmPredictions(_ x: Matrix) -> (labels: [Int], decision: Matrix, probabilities: Matrix?) {
        guard let model else { return ([], Matrix(rows: 0, cols: 0), nil) }
        let k = Int(model.pointee.nr_class)
        let pairs = k * (k - 1) / 2
        var decision = Matrix(rows: x.rows, cols: pairs)
        let hasProbability = svm_check_probability_model(model) != 0
        var probabilities = hasProbability ? Matrix(rows: x.rows, cols: k) : nil
        var labels: [Int] = []
        var row = [svm_node](repeating: svm_node(index: -1, value: 0), count: x.cols + 1)
        var dec = [Double](repeating: 0, count: max(pairs, 1))
        var prob = [Double](repeating: 0, count: k)
        for r in 0..<x.rows {
            for c in 0..<x.cols { row[c] = svm_node(index: Int32(c + 1), value: x[r, c]) }
            labels.append(Int(svm_predict_values(model, &row, &dec)))
            for j in 0..<pairs { decision[r, j] = dec[j] }
            if hasProbability {
                _ = svm_predict_probability(model, &row, &prob)
                for j in 0..<k { probabilities![r, j] = prob[j] }
            }
        }
        return (labels, decision, probabilities)
    }
}
