import ArgumentParser
import Foundation
import GenreKit

struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode an audio file to mono float32 samples (.npy), as librosa.load(path, sr=RATE).")

    @Argument(help: "Audio file.") var file: String
    @Option(name: .shortAndLong, help: "Output .npy path.") var out: String
    @Option(help: "Output sample rate in Hz (0 keeps the file's rate).") var sampleRate: Int = 16000

    @OptionGroup var decoding: DecodingOptions

    func run() throws {
        decoding.apply()
        do {
            let audio = try AudioDecoder(sampleRate: sampleRate == 0 ? nil : sampleRate).decode(path: file)
            try NPYArray(shape: [audio.samples.count], values: audio.samples).write(to: out)
            printError("\(file): \(audio.samples.count) samples at \(audio.sampleRate) Hz (\(audio.source.decoder.rawValue)) → \(out)")
        } catch let e as AudioError {
            printError("error: \(e)"); throw ExitCode(1)
        }
    }
}
