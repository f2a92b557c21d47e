import Foundation
import GenreKit
#if canImport(Glibc)
import GenreKitBenchmarks
import Glibc
/// `RUSAGE_SELF` as the Glibc overlay spells its type.
let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
let RUSAGE_SELF_WHO = RUSAGE_SELF
#endif

/// Linear-probe fit (10,000 × 753, 10 classes) against scikit-learn on the same data, same run.
struct LearningBenchmarkCommand {
    func run() throws {
        let (x, y) = LearningBenchmarks.syntheticBlobs(rows: 10_000, features: 753, classes: 10)
        let t = try LearningBenchmarks.logisticRegressionFit()
        print("genrekit: \(t)")
        let dir = NSTemporaryDirectory()
        try NPYArray(shape: [x.rows, x.cols], values: x.values.map(Float.init)).write(to: dir + "gk-bench-x.npy")
        try NPYArray(shape: [y.count], values: y.map(Float.init)).write(to: dir + "gk-bench-y.npy")
        guard let ref = runReferenceScript("reference/bench_learning.py", [dir + "gk-bench-x.npy", dir + "gk-bench-y.npy"]),
              let s = ref["fit_s"] as? Double else { return }
        print(String(format: "scikit-learn: %.3f s, %d iterations, train acc %.3f → GenreKit is %.2fx faster",
                     s, ref["iterations"] as? Int ?? -1, ref["train_accuracy"] as? Double ?? .nan, s / t.seconds))
    }
}
