import ArgumentParser
import Dispatch
import Foundation
import GenreKit

struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a pre-trained musicnn network on labelled songs (new output layer for your genres).",
        discussion: """
        Seed paper 003's CNN_MSD method: the network's output layer is replaced by one for DATA's genres, the parts \
        from --train on are trained on random 3-s segments (--segments-per-song per song and epoch) with Adam, and \
        the epoch with the lowest validation loss is kept. head: only the new layer; backend: also the penultimate \
        layers; midend: also the mid-end convolutions; all: the whole network. Frozen parts run once per segment \
        and are cached in memory, so head and backend train fast; all runs the full network on every segment. \
        Validation songs come from --valid DATA2, a 'valid' split in DATA, or --valid-fraction of the training \
        songs. Ctrl-C stops after the current batch and writes the best model so far. The model file works with \
        predict and evaluate like a trained one; it stores only what changed and the base network's checksum.
        """)

    @Argument(help: "Dataset folder ROOT/<genre>/<file> or manifest CSV/TSV (path,label[,split]).") var data: String
    @Option(help: "Pre-trained network to start from: MSD_musicnn, MTT_musicnn, random_musicnn (from scratch), or MSD_musicnn_big where its checkpoint is installed (the musicnn 0.1.0 wheel lacks it).") var from = "MSD_musicnn"
    @Option(name: .customLong("train"), help: "What to train: head, backend, midend or all.") var stage: FineTuneStage = .head
    @Option(help: "Maximum epochs.") var epochs = 150
    @Option(help: "Random 3-s segments per training song and epoch.") var segmentsPerSong = 4
    @Option(help: "Segments per batch.") var batch = 32
    @Option(help: "Learning rate.") var lr: Float = 1e-3
    @Option(help: "L2 weight decay on kernels.") var weightDecay: Float = 1e-5
    @Option(help: "Optimiser: adam or sgd (with --momentum).") var optimizer: FineTuneOptions.OptimizerChoice = .adam
    @Option(help: "SGD momentum.") var momentum: Float = 0.9
    @Option(help: "Learning-rate schedule: constant, cosine (to 0 over all steps) or plateau (×0.1 after 5 epochs without improvement).") var schedule: FineTuneOptions.ScheduleChoice = .constant
    @Option(help: "Clip gradients to this global norm.") var clipNorm: Float?
    @Option(help: "Early stopping: epochs without a better validation loss (0: never stop early).") var patience = 20
    @Option(help: "Dropout rate before the penultimate and output layers.") var dropout: Float = 0.5
    @Option(help: "Hop in seconds of the cached segment grid (head, backend, midend).") var segmentHop = 1.0
    @Option(help: "Random seed (split, new layer, segments, dropout, augmentation).") var seed: UInt64 = 0
    @Option(help: "Validation data (folder or manifest); default: DATA's 'valid' split or --valid-fraction.") var valid: String?
    @Option(help: "Fraction of the training songs per class used for validation when there is no other.") var validFraction = 0.2
    @Option(help: "Fraction of songs per class held out for testing when DATA has no split (0: none).") var testFraction = 0.25
    @Option(help: "Folder with split files (train.txt, valid.txt, test.txt).") var splits: String?
    @Option(help: "SpecAugment: mask up to N frames of each segment (0: off).") var timeMask = 0
    @Option(help: "SpecAugment: mask up to N mel bands of each segment (0: off).") var freqMask = 0
    @Option(help: "mixup with λ ~ Beta(α, α) (0: off).") var mixup: Float = 0
    @Option(help: "Random gain of up to ± this many dB (0: off).") var gainDb: Float = 0
    @Option(help: "Additive noise at an SNR drawn in [N, N+20] dB.") var noiseSnr: Float?
    @Option(help: "Class imbalance: none, oversample or weights.") var balance: FineTuneOptions.Balance = .none
    @Option(help: "Number format of the training GEMMs: fp32 (default) or bf16 (AVX512-BF16; weights, optimiser state and batch-norm statistics stay fp32). Falls back to fp32, with one notice line, on a CPU without the instructions.") var precision: InferencePrecision = .fp32
    @Option(help: "Write the per-epoch history (.csv or .json).") var history: String?
    @Option(name: .shortAndLong, help: "Output model file.") var out = "genres.gkmodel"

    func run() throws {
        try reportingErrors {
            var options = FineTuneOptions()
            options.stage = stage; options.epochs = epochs; options.segmentsPerSong = segmentsPerSong; options.batchSize = batch
            options.learningRate = lr; options.weightDecay = weightDecay; options.optimizer = optimizer; options.momentum = momentum
            options.schedule = schedule; options.clipNorm = clipNorm; options.patience = patience > 0 ? patience : nil
            options.seed = seed; options.dropout = dropout; options.segmentHop = segmentHop; options.balance = balance
            options.augmentation.timeMask = timeMask; options.augmentation.frequencyMask = freqMask
            options.augmentation.mixupAlpha = mixup; options.augmentation.gainDecibels = gainDb; options.augmentation.noiseSNR = noiseSnr
            guard precision != .int8 else { throw ValidationError("--precision int8 is for inference; fine-tuning runs fp32 or bf16") }
            let effective = precision.effectiveHere
            if let notice = effective.notice { printError(notice) }
            options.precision = effective.precision

            let holdOut = FineTuneSongs.HoldOut(seed: seed, testFraction: testFraction, validFraction: validFraction)
            let songs = try FineTuneSongs.load(data, splitFiles: splits, validData: valid, holdOut: holdOut)
            for item in songs.skipped { printError("warning: \(item.path): label '\(item.primaryLabel)' is not in DATA; skipped") }
            printError("fine-tuning \(from) (\(stage.rawValue)) on \(songs.train.count) training and \(songs.valid.count) validation songs, \(songs.labels.count) classes")
            if songs.valid.isEmpty { printError("no validation songs: the last epoch is kept and there is no early stopping") }
            let tuner = try FineTuner(baseModel: from, options: options)

            let stop = FineTuneStopFlag()
            signal(SIGINT, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
            source.setEventHandler {
                if stop.isSet { Foundation.exit(130) }
                stop.set()
                printError("\nstopping after this batch and keeping the best epoch so far (Ctrl-C again to quit at once)")
            }
            source.resume()
            defer { source.cancel(); signal(SIGINT, SIG_DFL) }

            var bar: ProgressBar?
            var barEpoch = -1
            let start = Date()
            let result = try tuner.run(train: songs.train, valid: songs.valid, labels: songs.labels, stop: stop) { event in
                switch event {
                case .decoding(let done, let total):
                    if done == total { printError(String(format: "decoded %d songs in %.1f s", total, Date().timeIntervalSince(start))) }
                case .caching(_, let total):
                    printError(String(format: "frozen part computed for %d songs (%.1f s so far)", total, Date().timeIntervalSince(start)))
                case .batch(let epoch, let done, let total):
                    if epoch != barEpoch { bar = ProgressBar(total: total, label: "batches"); barEpoch = epoch }
                    bar?.update(done)
                case .epoch(let e):
                    var line = String(format: "epoch %3d/%d  train loss %.4f", e.epoch, epochs, e.trainLoss)
                    if let v = e.validLoss {
                        line += String(format: "  valid loss %.4f  acc %.3f (songs %.3f)", v, e.validSegmentAccuracy ?? 0, e.validSongAccuracy ?? 0)
                    }
                    line += String(format: "  lr %.2g  %.1f s", e.learningRate, e.seconds)
                    printError(line)
                case .note(let s):
                    printError("note: " + s)
                }
            }
            for f in result.failures { printError("error: \(f.path): \(f.reason)") }
            guard result.bestEpoch > 0 else { throw ValidationError("stopped before the first epoch ended; nothing to write") }

            let model = try result.model(tuner: tuner, baseModel: from, songs: songs, holdOut: valid == nil ? holdOut : nil,
                                         seconds: Date().timeIntervalSince(start))
            let network = model.network!
            try model.write(to: out)
            if let history { try writeHistory(result.history, to: history) }
            let best = result.history[result.bestEpoch - 1]
            print(String(format: "best epoch %d (%@): valid loss %@, segment accuracy %@, song accuracy %@; %.1f training segments/s (%@)",
                         result.bestEpoch, result.stopReason.rawValue, best.validLoss.map { String(format: "%.4f", $0) } ?? "-",
                         best.validSegmentAccuracy.map { String(format: "%.3f", $0) } ?? "-",
                         best.validSongAccuracy.map { String(format: "%.3f", $0) } ?? "-", result.segmentsPerSecond,
                         result.precision.rawValue))
            print("wrote \(out) (\(network.name), \(network.variables.count) changed variables over \(from))")
        }
    }

    func writeHistory(_ h: [FineTuneEpoch], to path: String) throws {
        if path.lowercased().hasSuffix(".json") {
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(h).write(to: URL(fileURLWithPath: path))
            return
        }
        func f(_ x: Double?) -> String { x.map { String(format: "%.6f", $0) } ?? "" }
        var text = "epoch,train_loss,valid_loss,valid_segment_accuracy,valid_song_accuracy,learning_rate,seconds,segments\n"
        for e in h {
            text += "\(e.epoch),\(f(e.trainLoss)),\(f(e.validLoss)),\(f(e.validSegmentAccuracy)),\(f(e.validSongAccuracy)),\(e.learningRate),\(f(e.seconds)),\(e.segments)\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
