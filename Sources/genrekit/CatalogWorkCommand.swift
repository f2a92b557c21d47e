import ArgumentParser
import Dispatch
import Foundation
import GenreKit
import GenreKitCatalog

/// `genrekit catalog work`: one worker process.
struct CatalogWorkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work",
        abstract: "Claim batches of songs, compute their features/tags/predictions and store them; exit when the queue is empty.",
        discussion: """
            Run one per machine (or several); they share the queue. SIGTERM or Ctrl-C: the files already started are \
            finished and stored, the rest of the batch goes back to the queue, and the worker exits.
            """)
    @OptionGroup var store: StoreOption
    @Option(help: "Feature spec to store a song vector of (repeatable), e.g. MSD_musicnn:max_pool,penultimate or mfcc.")
    var features: [String] = []
    @Option(help: "Also store the mean tag scores of this model (e.g. MSD_musicnn).") var tags: String?
    @Option(help: "Also store this trained model's genre prediction (a .gkmodel file).") var model: String?
    @Option(help: "Songs claimed at once.") var batch = 32
    @Option(help: "Lease in seconds (renewed every third of it while working); a dead worker's batch returns to the queue after it.")
    var lease: Double = 300
    @Flag(help: "Keep polling for new songs instead of exiting when nothing is pending.") var follow = false
    @Option(help: "Longest wait between polls of an empty queue, in seconds (waits start at 0.02 s and double).") var poll: Double = 2
    @Option(help: "Worker name in leases and status (default HOST:PID).") var worker: String?
    @Option(help: "Files processed at once (default: the number of cores).") var jobs: Int?

    func validate() throws {
        if features.isEmpty && tags == nil && model == nil { throw ValidationError("give --features SPEC, --tags MODEL or --model FILE") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if lease < 1 { throw ValidationError("--lease must be at least 1 second") }
    }

    func run() async throws {
        try await catalogReporting {
            let specs = try features.map { try CombinedFeatureSpec(parsing: $0) }
            let processor = try AudioSongProcessor(specs: specs, tagModel: tags, modelFile: model)
            let s = try store.open()
            var options = CatalogWorkOptions(worker: worker ?? CatalogWorkOptions.defaultWorkerName())
            options.batch = batch
            options.leaseSeconds = lease
            options.follow = follow
            options.pollSeconds = poll
            if let jobs { options.concurrency = max(jobs, 1) }
            let stop = CatalogStopFlag()
            let signals = [SIGTERM, SIGINT].map { sig -> DispatchSourceSignal in
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig)
                source.setEventHandler {
                    printError("\(options.worker): stopping: finishing the files started, returning the rest of the batch")
                    stop.stop()
                }
                source.resume()
                return source
            }
            let name = options.worker
            let summary = try await CatalogWorker(store: s, processor: processor, options: options).run(stop: stop) { s in
                printError("\(name): \(s.done) done, \(s.failed) failed in \(s.batches) batches, "
                           + String(format: "%.2f songs/s", s.seconds > 0 ? Double(s.done + s.failed) / s.seconds : 0))
            }
            signals.forEach { $0.cancel() }
            await s.close()
            print("\(name): \(summary.done) done, \(summary.failed) failed, \(summary.released) returned to the queue, "
                  + String(format: "%.1f s", summary.seconds))
        }
    }
}
