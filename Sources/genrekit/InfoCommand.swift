import ArgumentParser
import Foundation
import GenreKit

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Print format, channels, sample rate and duration of audio files.")

    @Argument(help: "Audio files (WAV, FLAC, OGG/Vorbis, MP3, ...).") var files: [String]
    @Option(help: "Output format: table, json, jsonl (one object per line) or csv.") var format: BatchFormat = .table

    func run() throws {
        var failures = 0
        var rows: [AudioFileInfo] = []
        for f in files {
            do { rows.append(try AudioDecoder.info(path: f)) }
            catch { failures += 1; printError("error: \(error)") }
        }
        switch format {
        case .json:
            try printJSON(rows.map(InfoRow.init))
        case .jsonl:
            let writer = RecordWriter<InfoRow>(lines: true)
            for r in rows { try writer.write(InfoRow(r)) }
        case .csv:
            print("path,format,encoding,channels,sample_rate,frames,duration_s")
            for r in rows { print("\(csvField(r.path)),\(r.format),\(r.encoding),\(r.channels),\(r.sampleRate),\(r.frames),\(String(format: "%.3f", r.duration))") }
        case .table:
            for r in rows {
                print("\(r.path): \(r.format) \(r.encoding) (\(r.decoder.rawValue)), \(r.channels) ch, \(r.sampleRate) Hz, \(r.frames) frames, \(String(format: "%.3f", r.duration)) s")
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}

private struct InfoRow: Encodable {
    let path, format, encoding, decoder: String
    let channels, sampleRate, frames: Int
    let duration: Double
    init(_ i: AudioFileInfo) {
        path = i.path; format = i.format; encoding = i.encoding; decoder = i.decoder.rawValue; channels = i.channels
        sampleRate = i.sampleRate; frames = i.frames; duration = i.duration
    }
}
