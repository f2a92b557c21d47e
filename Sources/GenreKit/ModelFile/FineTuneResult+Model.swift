import Foundation
import GenreKitLearning

extension FineTuneResult {
    /// The model file of this run: the fine-tuned network (only the variables training changed), a
    /// ``ProbabilityPassthrough`` over its softmax, and the training facts.
    ///
    /// - Parameters:
    ///   - tuner: the tuner that ran (its base weights and options).
    ///   - baseModel: the name the run started from (`MSD_musicnn`, `random_musicnn`, ...).
    ///   - songs: the run's songs; the summary counts the training songs per class.
    ///   - holdOut: how the training songs were held out of the data (nil when validation songs came separately).
    ///   - seconds: the run's wall time.
    public func model(tuner: FineTuner, baseModel: String, songs: FineTuneSongs, holdOut: FineTuneSongs.HoldOut?, seconds: Double) throws -> GenreModel {
        let options = tuner.options
        let network = try FineTunedNetwork(network: self.network, baseWeights: tuner.weights, options: options,
                                           bestEpoch: bestEpoch, history: history)
        var counts: [String: Int] = [:]
        for s in songs.train { counts[songs.labels[s.label], default: 0] += 1 }
        var summary = TrainingSummary(songCounts: counts, rows: songs.train.count * options.segmentsPerSong, dimensions: songs.labels.count,
                                      modelSelection: nil,
                                      chosen: "fine-tuned \(baseModel) from \(options.stage.rawValue), epoch \(bestEpoch) of \(history.count) (\(stopReason.rawValue))",
                                      fitSeconds: seconds)
        if let holdOut {
            summary.splitSeed = holdOut.seed; summary.testFraction = holdOut.testFraction; summary.validFraction = holdOut.validFraction
        }
        let spec = try FeatureSpec(model: network.name, layers: [FeatureSpec.outputLayer])
        var model = GenreModel(task: .classification, labels: songs.labels, source: .audio(try CombinedFeatureSpec(parts: [spec])),
                               trainingLevel: .segment, classifier: .passthrough(ProbabilityPassthrough(classCount: songs.labels.count)),
                               defaultAggregation: .vote, thresholds: nil, training: summary)
        model.network = network
        return model
    }
}
