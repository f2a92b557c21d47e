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

    /// Synthetic window features of songs, shaped like `genrekit train`'s rows: `songs` songs (round-robin over
    /// `classes`), `windows` rows each, `features` columns. A row is its class centre (`N(0, classSpread²)` per
    /// feature) + its song's offset (`N(0, songSpread²)`) + unit noise, so windows of one song are correlated and
    /// classes overlap. Returns rows, each row's label and song index; seeded.
    public static func syntheticSongs(songs: Int = 300, windows: Int = 8, features: Int = 753, classes: Int = 10,
                                      classSpread: Double = 0.06, songSpread: Double = 0.1,
                                      seed: UInt64 = 1) -> (x: Matrix, labels: [Int], groups: [Int]) {
        var rng = SeededGenerator(seed: seed)
        let centres = (0..<(classes * features)).map { _ in classSpread * rng.nextGaussian() }
        var values = [Double](repeating: 0, count: songs * windows * features)
        var labels: [Int] = [], groups: [Int] = []
        for s in 0..<songs {
            let y = s % classes
            let song = (0..<features).map { centres[y * features + $0] + songSpread * rng.nextGaussian() }
            for w in 0..<windows {
                let base = (s * windows + w) * features
                for c in 0..<features { values[base + c] = song[c] + rng.nextGaussian() }
                labels.append(y)
                groups.append(s)
            }
        }
        return (Matrix(rows: songs * windows, cols: features, values: values), labels, groups)
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
