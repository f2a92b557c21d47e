import Foundation
import GenreKitAudio
import XCTest

/// Real-world audio files made at test time with Debian's encoders (ffmpeg, lame, sox, flac, opus-tools,
/// vorbis-tools, wavpack; `scripts/setup.sh` installs them) from one synthesized signal, so no audio is committed.
/// An encoder that is missing fails the test with what to run; nothing is skipped.
enum RealWorldFixtures {
    /// The source: 2 s of a chord (220, 554.37, 1318.5 Hz) with a slow tremolo, different in each channel,
    /// quantised to 16 bits. Interleaved Int16, `channels` per frame.
    static func signal(rate: Int, channels: Int, seconds: Double = 2.0) -> [Int16] {
        let n = Int(Double(rate) * seconds)
        var out = [Int16](repeating: 0, count: n * channels)
        for i in 0..<n {
            let t = Double(i) / Double(rate)
            for c in 0..<channels {
                let tremolo = 0.75 + 0.25 * sin(2 * .pi * (1.5 + Double(c)) * t)
                var v = 0.30 * sin(2 * .pi * 220 * t + Double(c))
                v += 0.20 * sin(2 * .pi * 554.37 * t + 0.5 * Double(c))
                v += 0.10 * sin(2 * .pi * 1318.5 * t)
                out[i * channels + c] = Int16((v * tremolo * 32767).rounded())
            }
        }
        return out
    }

    /// The mono mix GenreKit should decode from ``signal(rate:channels:seconds:)`` (librosa: mean of the channels).
    static func monoReference(rate: Int, channels: Int, seconds: Double = 2.0) -> [Float] {
        let x = signal(rate: rate, channels: channels, seconds: seconds)
        let n = x.count / channels
        return (0..<n).map { i in
            var acc: Float = Float(x[i * channels]) / 32768
            for c in 1..<max(channels, 1) { acc += Float(x[i * channels + c]) / 32768 }
            return acc / Float(channels)
        }
    }

    /// Writes the source as a 16-bit PCM WAV.
    static func writeSource(_ path: String, rate: Int, channels: Int, seconds: Double = 2.0) throws {
        try writeWAV16(signal(rate: rate, channels: channels, seconds: seconds), rate: rate, channels: channels, to: path)
    }

    /// A canonical 44-byte-header PCM WAV of the given integers (written here: libsndfile scales floats by 32767).
    static func writeWAV16(_ x: [Int16], rate: Int, channels: Int, to path: String) throws {
        var d = Data()
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { d.append(contentsOf: $0) } }
        d.append(contentsOf: Array("RIFF".utf8)); u32(36 + 2 * x.count); d.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16); u16(1); u16(channels); u32(rate); u32(rate * channels * 2); u16(channels * 2); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(2 * x.count)
        x.withUnsafeBytes { d.append(contentsOf: $0) }
        try d.write(to: URL(fileURLWithPath: path))
    }

    /// Runs a tool from PATH; throws with its standard error, or with what to do when the tool is not installed.
    @discardableResult
    static func run(_ tool: String, _ args: [String], stdin: String? = nil, stdout: String? = nil) throws -> String {
        guard let exe = which(tool) else {
            throw FixtureError("the encoder `\(tool)` is not installed: run `bash scripts/setup.sh` (it installs the test encoders)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        if let stdin { p.standardInput = FileHandle(forReadingAtPath: stdin) }
        if let stdout {
            guard FileManager.default.createFile(atPath: stdout, contents: nil) else { throw FixtureError("cannot create \(stdout)") }
            p.standardOutput = FileHandle(forWritingAtPath: stdout)
        } else {
            p.standardOutput = FileHandle.nullDevice
        }
        try p.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: errData, as: UTF8.self)
        guard p.terminationStatus == 0 else {
            throw FixtureError("\(tool) \(args.joined(separator: " ")) failed (\(p.terminationStatus)): \(text.suffix(500))")
        }
        return text
    }

    /// Runs a tool from PATH and returns its standard output (throws like ``run(_:_:stdin:stdout:)``).
    static func runCapturing(_ tool: String, _ args: [String]) throws -> String {
        let out = NSTemporaryDirectory() + "genrekit-run-\(getpid())-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: out) }
        try run(tool, args, stdout: out)
        return try String(contentsOfFile: out, encoding: .utf8)
    }

    static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// ffmpeg without banner or chatter, overwriting.
    static func ffmpeg(_ args: [String]) throws {
        try run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"] + args)
    }

    struct FixtureError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// A fresh scratch folder for one test class.
    static func scratch(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "genrekit-\(name)-\(getpid())/"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// How close a decoded signal is to the reference.
struct Closeness: CustomStringConvertible {
    /// Lag (decoded index − reference index) where they match best.
    var lag: Int
    /// Pearson correlation at that lag, over the overlap.
    var correlation: Double
    /// Signal-to-noise ratio in dB at that lag, over the overlap.
    var snr: Double
    /// Largest absolute difference at that lag.
    var maxDiff: Float

    var description: String { "lag \(lag), correlation \(String(format: "%.5f", correlation)), SNR \(String(format: "%.1f", snr)) dB, max diff \(maxDiff)" }

    /// Best lag in `-maxLag...maxLag` by correlation, then the figures there. Edges (first/last 10 %) are left out of
    /// the search so codec start-up and tail do not dominate.
    static func measure(_ y: [Float], reference x: [Float], maxLag: Int = 0) -> Closeness {
        func figures(_ lag: Int, margin: Int) -> (Double, Double, Float) {
            var sxy = 0.0, sxx = 0.0, syy = 0.0, err = 0.0, sig = 0.0
            var worst: Float = 0
            let lo = max(margin, -lag + margin), hi = min(x.count - margin, y.count - lag - margin)
            guard hi > lo else { return (0, -100, .infinity) }
            for i in lo..<hi {
                let a = Double(x[i]), b = Double(y[i + lag])
                sxy += a * b; sxx += a * a; syy += b * b
                err += (a - b) * (a - b); sig += a * a
                worst = max(worst, abs(x[i] - y[i + lag]))
            }
            let corr = sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
            return (corr, 10 * log10(sig / max(err, 1e-30)), worst)
        }
        let margin = x.count / 10
        var best = 0, bestCorr = -Double.infinity
        // Search on a decimated cross-correlation of the middle 80 %.
        for lag in stride(from: -maxLag, through: maxLag, by: 1) where maxLag > 0 {
            var s = 0.0
            var i: Int
            let lo = max(margin, -lag + margin), hi = min(x.count - margin, y.count - lag - margin)
            if hi <= lo { continue }
            i = lo
            while i < hi { s += Double(x[i]) * Double(y[i + lag]); i += 7 }
            if s > bestCorr { bestCorr = s; best = lag }
        }
        let (corr, snr, worst) = figures(best, margin: 0)
        return Closeness(lag: best, correlation: corr, snr: snr, maxDiff: worst)
    }
}
