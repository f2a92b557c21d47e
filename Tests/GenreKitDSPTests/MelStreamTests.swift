import GenreKitDSP
import XCTest

/// ``MelStream`` and ``PatchStream`` give the whole signal's mel power and patches bit for bit, however the signal is cut.
final class MelStreamTests: XCTestCase {
    func streamed(_ x: [Float], parts: [Int], mel: MelSpectrogram) -> (rows: [Float], perAppend: [Int]) {
        var s = MelStream(mel)
        var out: [Float] = [], counts: [Int] = []
        var i = 0, k = 0
        x.withUnsafeBufferPointer { p in
            while i < x.count {
                let n = min(parts[k % parts.count], x.count - i)
                counts.append(s.append(UnsafeBufferPointer(rebasing: p[i..<i + n]), into: &out))
                i += n; k += 1
            }
        }
        counts.append(s.finish(into: &out))
        XCTAssertEqual(s.frameCount, out.count / mel.melCount)
        return (out, counts)
    }

    func testStreamedMelPowerIsBitIdentical() {
        let mel = MelSpectrogram.musicnn, hop = 256, rows = MelSpectrogram.gemmRows
        // Lengths around group boundaries: frame counts 1 + ⌊n/hop⌋ of 3·128 − 1, 3·128, 3·128 + 1; the sample that
        // completes a group (last frame's centre + n_fft/2); an odd length; a signal shorter than one frame.
        let lengths = [(3 * rows - 2) * hop, (3 * rows - 1) * hop + 255, (3 * rows) * hop,
                       (2 * rows - 1) * hop + 256, (2 * rows - 1) * hop + 255, 5 * rows * hop + 12345, 300, 1]
        for (j, n) in lengths.enumerated() {
            let x = TestSignals.lcgNoise(seed: UInt32(7 + j), count: n).map { $0 * 0.5 }
            let whole = mel.power(x)
            for parts in [[1], [255, 257, 4096], [32768 + 511], [n]] where parts != [1] || n < 5000 {
                let (s, counts) = streamed(x, parts: parts, mel: mel)
                XCTAssertEqual(s.count, whole.count, "n \(n), parts \(parts)")
                XCTAssertTrue(s == whole, "n \(n), parts \(parts): streamed mel power differs")
                // Every group but the last comes out before finish() once its samples are in.
                XCTAssertLessThanOrEqual(counts.last!, rows, "n \(n), parts \(parts): at most the last group waits for the end")
            }
        }
    }

    func testPatchStreamEqualsPatches() throws {
        let bands = 4
        for (frames, hop) in [(1000, 187), (1000, 62), (700, 1), (186, 187), (187, 187), (40, 10)] {
            let spectrogram = (0..<(frames * bands)).map { Float($0) }
            for policy in [Patches.ShortClipPolicy.repeatPad, .zeroPad, .drop] {
                let patches = Patches(frameCount: 187, hop: hop, shortClipPolicy: policy)
                let whole = patches.extract(spectrogram, bands: bands)
                var s = PatchStream(patches: patches, bands: bands)
                var got: [Float] = []
                var taken = 0, i = 0
                for part in [3, 50, 191, 7].cycled(until: frames) {
                    let n = min(part, frames - i)
                    s.append(Array(spectrogram[(i * bands)..<((i + n) * bands)]))
                    i += n
                    let ready = s.readyCount
                    if ready >= 2 { got += s.take(ready - 1); taken += ready - 1 }
                }
                let rest = s.takeRest()
                got += rest.values; taken += rest.count
                XCTAssertEqual(taken, whole.count, "frames \(frames), hop \(hop), \(policy)")
                XCTAssertEqual(got, whole.values, "frames \(frames), hop \(hop), \(policy)")
                XCTAssertEqual(s.nextWindow, whole.count)
            }
        }
    }
}

private extension Array where Element == Int {
    /// The parts repeated until they cover `total`.
    func cycled(until total: Int) -> [Int] {
        var out: [Int] = [], sum = 0, k = 0
        while sum < total { out.append(self[k % count]); sum += self[k % count]; k += 1 }
        return out
    }
}
