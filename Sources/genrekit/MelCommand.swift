import ArgumentParser
import Foundation
import GenreKit

struct MelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mel",
        abstract: "Write musicnn's log-mel spectrogram of an audio file as .npy (float32, frames × 96).",
        discussion: "16 kHz, n_fft 512, hop 256, 96 Slaney mel bands, log10(10000·f16(power) + 1): the input of the musicnn networks.")

    @Argument(help: "Audio file.") var file: String
    @Option(name: .shortAndLong, help: "Output .npy path.") var out: String
    @Flag(help: "Write the mel power (before log compression) instead.") var power = false
    @Flag(help: "Use the single-precision KissFFT STFT (faster, not bit-exact with librosa).") var singlePrecision = false

    @OptionGroup var decoding: DecodingOptions

    func run() throws {
        decoding.apply()
        let fe = MusicnnFrontEnd(precision: singlePrecision ? .single : .double)
        do {
            let audio = try fe.decoder.decode(path: file)
            let values = power ? fe.mel.power(audio.samples) : fe.logMel(samples: audio.samples)
            let frames = values.count / MusicnnInput.melBands
            try NPYArray(shape: [frames, MusicnnInput.melBands], values: values).write(to: out)
            printError("\(file): \(frames) frames × 96 → \(out)")
        } catch let e as AudioError {
            printError("error: \(e)"); throw ExitCode(1)
        }
    }
}
