import Foundation
import GenreKitCore
import GenreKitLearning

/// Timing helpers for `genrekit-bench` and tests (no assertions).
public enum LearningBenchmarks {
    public struct Timing: Sendable, CustomStringConvertible {
        public var rows: Int
        public var features: Int
        public var classes: Int
        public var seconds: Double
        public var iterations: Int
        public var evaluations: Int
        public var termination: String
        public var trainingAccuracy: Double

        public var description: String {
            String(format: "LogisticRegression fit %d×%d, %d classes: %.3f s, %d L-BFGS iterations, %d evaluations (%@), train acc %.3f",
                   rows, features, classes, seconds, iterations, evaluations, termination, trainingAccuracy)
        }
    }

    /// Synthetic feature table: `classes` Gaussian blobs in `features` dimensions
    /// (class means `N(0, centreSpread²)` per feature, unit noise), seeded. The default spread
    /// 0.05 gives overlapping classes (not linearly separable), which is the slow case for the solver.
    public static func syntheticBlobs(rows: Int, features: Int, classes: Int, centreSpread: Double = 0.05,
                                      seed: UInt64 = 1) -> (Matrix, [Int]) {
        var rng = SeededGenerator(seed: seed)
        let centres = (0..<(classes * features)).map { _ in centreSpread * rng.nextGaussian() }
        var values = [Double](repeating: 0, count: rows * features)
        var labels = [Int](repeating: 0, count: rows)
        for r in 0..<rows {
            let y = r % classes
            labels[r] = y
            for c in 0..<features { values[r * features + c] = centres[y * features + c] + rng.nextGaussian() }
        }
        return (Matrix(rows: rows, cols: features, values: values), labels)
    }

    /// Times `LogisticRegression.fit` (default C = 1, tolerance and iteration cap as given) on
    /// `syntheticBlobs`. The target is 10,000 × 753 × 10 classes in ≤ 2 s (release).
    public static func logisticRegressionFit(rows: Int = 10_000, features: Int = 753, classes: Int = 10,
                                             tolerance: Double = 1e-4, maxIterations: Int = 100,
                                             centreSpread: Double = 0.05, seed: UInt64 = 1) throws -> Timing {
        let (x, y) = syntheticBlobs(rows: rows, features: features, classes: classes,
                                    centreSpread: centreSpread, seed: seed)
        var model = LogisticRegression(c: 1, tolerance: tolerance, maxIterations: maxIterations)
        let start = DispatchTime.now().uptimeNanoseconds
        try model.fit(x, labels: y, classCount: classes)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let acc = Metrics.accuracy(y, model.predict(x))
        return Timing(rows: rows, features: features, classes: classes, seconds: seconds,
                      iterations: model.iterations, evaluations: model.evaluations, termination: model.termination?.rawValue ?? "-",
                      trainingAccuracy: acc)
    }
}
