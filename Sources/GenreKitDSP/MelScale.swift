import Foundation

/// Hz ↔ mel conversions, librosa's `hz_to_mel` / `mel_to_hz`.
public enum MelScale: Sendable {
    /// Slaney's Auditory Toolbox scale (librosa's default, `htk=False`): linear below 1 kHz
    /// (`m = 3f/200`), logarithmic above (`m = 15 + ln(f/1000)/(ln 6.4/27)`).
    case slaney
    /// HTK: `m = 2595·log10(1 + f/700)`.
    case htk

    private static let fSp = 200.0 / 3
    private static let minLogHz = 1000.0
    private static let minLogMel = (minLogHz - 0) / fSp
    private static let logStep = log(6.4) / 27.0

    /// Frequency in Hz → mel.
    public func mel(fromHz f: Double) -> Double {
        switch self {
        case .htk: return 2595.0 * log10(1.0 + f / 700.0)
        case .slaney:
            return f >= MelScale.minLogHz
                ? MelScale.minLogMel + log(f / MelScale.minLogHz) / MelScale.logStep
                : (f - 0) / MelScale.fSp
        }
    }

    /// Mel → frequency in Hz.
    public func hz(fromMel m: Double) -> Double {
        switch self {
        case .htk: return 700.0 * (pow(10.0, m / 2595.0) - 1.0)
        case .slaney:
            return m >= MelScale.minLogMel
                ? MelScale.minLogHz * exp(MelScale.logStep * (m - MelScale.minLogMel))
                : 0 + MelScale.fSp * m
        }
    }
}

/// `numpy.linspace(start, stop, num)` evaluated as NumPy does (`i·step + start`, last value set to `stop`).
@inlinable
func linspace(_ start: Double, _ stop: Double, _ num: Int) -> [Double] {
    guard num > 1 else { return num == 1 ? [start] : [] }
    let step = (stop - start) / Double(num - 1)
    var y = (0..<num).map { Double($0) * step + start }
    y[num - 1] = stop
    return y
}
