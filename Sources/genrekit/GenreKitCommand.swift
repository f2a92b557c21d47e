import ArgumentParser
import GenreKit

@main
struct GenreKitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genrekit",
        abstract: "Music genre classification and auto-tagging by transfer learning from pre-trained musicnn networks.",
        subcommands: [TagCommand.self, EmbedCommand.self, TrainCommand.self, FinetuneCommand.self, EnrollCommand.self, EvaluateCommand.self, PredictCommand.self, ExplainCommand.self, StreamCommand.self, StudyCommand.self, FewShotCommand.self, InfoCommand.self, DecodeCommand.self, MelCommand.self, ModelCommand.self, ServeCommand.self, CatalogCommand.self])

    /// Shortens OpenBLAS's idle spinning before the command runs (``BLASThreads/shortenIdleSpinning()``: no BLAS
    /// call is in flight yet), then parses and runs the command as usual.
    static func main() async {
        BLASThreads.shortenIdleSpinning()
        await main(nil)
    }
}
