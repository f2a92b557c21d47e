import Foundation

/// Power to decibels, `librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0)`:
/// `S_dB = 10·log10(max(amin, S)) − 10·log10(max(amin, ref))`, then floored at `max(S_dB) − top_db`
/// (the maximum over the whole array, as librosa does).
public enum PowerToDB {
    public static func apply(_ power: [Float], ref: Float = 1, amin: Float = 1e-10, topDB: Float? = 80) -> [Float] {
        let refDB = 10 * log10(max(amin, ref))
        var out = power.map { 10 * log10(max(amin, $0)) - refDB }
        if let topDB, let peak = out.max() {
            let floor = peak - topDB
            for i in out.indices where out[i] < floor { out[i] = floor }
        }
        return out
    }
}
