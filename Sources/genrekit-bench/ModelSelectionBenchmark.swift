import Foundation
import GenreKit
import GenreKitBenchmarks

/// `genrekit train`'s model selection and final fit (``Trainer``) on generated song features shaped like its
/// default data (300 songs × 8 windows × 753, 10 genres), for the `auto` and `svm` grids, against scikit-learn's
/// `GridSearchCV` with the same grid, the same folds and the same song-level scoring in the same run.
struct ModelSelectionBenchmark {
    let songs: Int, windows: Int, features: Int, classes: Int

    init(arguments: [String]) throws {
        let o = try Options(arguments, known: ["songs", "windows", "features", "classes"])
        songs = try o.int("songs", default: 300)
        windows = try o.int("windows", default: 8)
        features = try o.int("features", default: 753)
        classes = try o.int("classes", default: 10)
    }

    func run() throws {
        let (x, y, groups) = LearningBenchmarks.syntheticSongs(songs: songs, windows: windows, features: features, classes: classes)
        let labels = (0..<classes).map { "genre\($0)" }
        let items: [ItemFeatures] = (0..<songs).map { s in
            let rows = x.values[(s * windows * features)..<((s + 1) * windows * features)].map(Float.init)
            return ItemFeatures(id: "song\(s)", label: y[s * windows], windows: rows, windowCount: windows, song: [Float](rows.prefix(features)))
        }
        print("model selection on generated song features (not audio): \(songs) songs × \(windows) windows × \(features), \(classes) classes, 5 song-grouped folds")
        let dir = NSTemporaryDirectory()
        let settings = TrainerSettings()
        var songLabels = [Int](repeating: 0, count: songs)
        for (i, g) in groups.enumerated() { songLabels[g] = y[i] }
        let songFold = try StratifiedKFold(splits: settings.folds, seed: settings.seed).foldAssignments(songLabels)
        try NPYArray(shape: [x.rows, x.cols], values: x.values.map(Float.init)).write(to: dir + "gk-select-x.npy")
        try NPYArray(shape: [y.count], values: y.map(Float.init)).write(to: dir + "gk-select-y.npy")
        try NPYArray(shape: [groups.count], values: groups.map(Float.init)).write(to: dir + "gk-select-groups.npy")
        try NPYArray(shape: [groups.count], values: groups.map { Float(songFold[$0]) }).write(to: dir + "gk-select-folds.npy")
        for choice in [ClassifierChoice.auto, .svm] {
            var trainer = Trainer(settings: settings)
            trainer.choice = choice
            let t0 = DispatchTime.now().uptimeNanoseconds
            let model = try trainer.train(items, labels: labels, featureSpec: "generated")
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            let best = model.training.modelSelection?.best
            let fits = (model.training.modelSelection?.rows.count ?? 0) * settings.folds
            print(String(format: "genrekit --classifier %@: %.2f s (%d CV fits + final fit %.2f s), chose %@, CV song accuracy %.4f",
                         choice.rawValue, seconds, fits, model.training.fitSeconds, model.training.chosen, best?.mean ?? .nan))
            guard let ref = runReferenceScript("reference/bench_model_selection.py", [
                dir + "gk-select-x.npy", dir + "gk-select-y.npy", dir + "gk-select-groups.npy", dir + "gk-select-folds.npy",
                "--grid", choice.rawValue]), let s = ref["seconds"] as? Double else { continue }
            print(String(format: "scikit-learn GridSearchCV (n_jobs=-1, same grid, folds and scoring) + refit: %.2f s, chose %@, CV song accuracy %.4f → GenreKit is %.2fx faster",
                         s, ref["best"] as? String ?? "?", ref["best_score"] as? Double ?? .nan, s / seconds))
        }
    }
}
