import ArgumentParser
import Foundation
import GenreKit

/// `--precision fp32|bf16|int8` and `--calibrate DIR`: the number format the networks run in. The library decides
/// (``InferencePrecision/effectiveHere``: fp32 where the CPU lacks the instructions); this prints its one notice line.
struct PrecisionOptions: ParsableArguments {
    @Option(help: "Number format of the network: fp32 (default; exact to TensorFlow's parity), bf16 (AVX512-BF16) or int8 (VNNI; musicnn: the timbral convolutions in int8, the rest in bf16). Falls back to fp32, with one notice line, on a CPU without the instructions.")
    var precision: InferencePrecision?
    @Option(help: "With --precision int8: run every layer in int8, with activation scales calibrated on the audio files in this folder (default: musicnn's timbral convolutions only, scaled by the network's bounded input).")
    var calibrate: String?

    func validate() throws {
        if calibrate != nil && precision != .int8 { throw ValidationError("--calibrate applies to --precision int8") }
    }

    /// The precision that runs here (nil when not asked), after printing the fallback notice if any.
    func effective() -> InferencePrecision? {
        guard let precision else { return nil }
        let e = precision.effectiveHere
        if let notice = e.notice { printError(notice) }
        return e.precision
    }

    /// The int8 calibration measured on `--calibrate`'s audio for `model` (nil without it or when not int8).
    func calibration(for model: PretrainedModel, effective: InferencePrecision?) throws -> Int8Calibration? {
        guard effective == .int8, let dir = calibrate else { return nil }
        let files = Dataset.audioFiles(at: dir)
        let c = try Int8Calibration.measured(for: model, onAudioAt: files)
        printError("int8 calibration: \(min(files.count, 256)) file(s) of \(dir)")
        return c
    }

    /// `model` running in the asked precision (with the calibration), and the precision it runs in.
    func apply(to model: PretrainedModel) throws -> PretrainedModel {
        guard let p = effective() else { return model }
        var m = model.withPrecision(p).model
        if let c = try calibration(for: model, effective: p) { m = m.withInt8Calibration(c) }
        return m
    }

    /// `spec` with its network parts in the asked precision (calibrated on `--calibrate` with the first network
    /// part's model); unchanged when not asked.
    func apply(to spec: CombinedFeatureSpec) throws -> CombinedFeatureSpec {
        guard let p = effective() else { return spec }
        var c: Int8Calibration?
        if p == .int8, calibrate != nil, let part = spec.parts.first(where: { !$0.isHandcrafted && !$0.isYAMNet }) {
            c = try calibration(for: PretrainedModel.load(part.model), effective: p)
        }
        return try spec.running(p, int8Calibration: c)
    }
}

extension InferencePrecision: ExpressibleByArgument {}
