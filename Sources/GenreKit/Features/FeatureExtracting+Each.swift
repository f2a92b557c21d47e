import Foundation

extension FeatureExtracting {
    /// Features of every file like ``FeatureExtractor/extract(paths:progress:)`` (the cache read and filled the same
    /// way), but each file's result goes to `emit` as soon as it and every earlier file are done, in input order,
    /// one call at a time (``BatchRunner/forEach(_:concurrency:progress:_:emit:)``), and is not kept: a batch's
    /// output can be written file by file, and what is finished survives a stopped process.
    /// `progress` gets (done, total) after every file.
    public func forEach(paths: [String], concurrency: Int = ProcessInfo.processInfo.activeProcessorCount,
                        progress: (@Sendable (Int, Int) -> Void)? = nil,
                        emit: @escaping @Sendable (Int, Result<ExtractedFeatures, Error>) -> Void) {
        BatchRunner.forEach(paths, concurrency: concurrency, progress: progress, { path in
            try self.extract(paths: [path], progress: nil)[0].get()
        }, emit: emit)
    }
}
