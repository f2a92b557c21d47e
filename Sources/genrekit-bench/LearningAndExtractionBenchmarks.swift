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

/// Feature extraction (MSD_musicnn max_pool, no cache) over a folder on all cores against the warm reference.
struct ExtractionBenchmarkCommand {
    let folder: String
    let limit: Int
    init(arguments: [String]) {
        let o = Options(arguments)
        folder = o["folder"] ?? "/tmp/sg_b"
        limit = Int(o["limit"] ?? "") ?? 100
    }

    func run() throws {
        let items = try Dataset.loadFolder(folder).items.prefix(limit)
        let spec = try FeatureSpec(parsing: "MSD_musicnn:max_pool")
        let extractor = try FeatureExtractor(spec: spec, model: try PretrainedModel.load("MSD_musicnn"), cache: nil)
        _ = extractor.extract(Array(items.prefix(2)))   // warm-up
        let t0 = Date()
        var usage0 = rusage(); getrusage(RUSAGE_SELF_WHO, &usage0)
        let results = extractor.extract(Array(items))
        let wall = Date().timeIntervalSince(t0)
        var usage1 = rusage(); getrusage(RUSAGE_SELF_WHO, &usage1)
        let cpu = Double(usage1.ru_utime.tv_sec - usage0.ru_utime.tv_sec) + Double(usage1.ru_utime.tv_usec - usage0.ru_utime.tv_usec) / 1e6
        let ok = results.filter { if case .success = $0 { return true } else { return false } }.count
        print(String(format: "genrekit: %d files in %.2f s = %.1f files/s, CPU %.2f s (%.2f cores busy on average)",
                     ok, wall, Double(ok) / wall, cpu, cpu / wall))
        guard let ref = runReferenceScript("reference/bench_extract.py", [folder, "--limit", String(limit)]),
              let fps = ref["files_per_s"] as? Double else { return }
        print(String(format: "reference (librosa + TensorFlow, warm): %.1f files/s → GenreKit is %.2fx faster", fps, Double(ok) / wall / fps))
    }
}
