// libFuzzer target for GenreKit's TensorFlow Lite reader: bytes → TFLiteModelFile(bytes:) → TFLitePlan(model:) →
// YAMNetModel(file:), and (GENREKIT_FUZZ_RUN=1) one run of every plan that compiles, on a zero input of its declared
// shape. Built and run by scripts/fuzz-tflite.sh (not part of the SwiftPM package). A crash, a trap or a hang is a
// finding; a refusal (a typed TFLiteError) is the expected answer to a damaged or hostile file.
import Foundation
import GenreKitModels
import GenreKitNN

/// `GENREKIT_FUZZ_RUN=1`: also run every plan that compiles (finds files that compile but are inconsistent).
private let runPlans = ProcessInfo.processInfo.environment["GENREKIT_FUZZ_RUN"] == "1"

@_cdecl("LLVMFuzzerTestOneInput")
public func genrekitTFLiteFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    guard let file = try? TFLiteModelFile(bytes: bytes), let plan = try? TFLitePlan(model: file) else { return 0 }
    _ = try? YAMNetModel(file: file)
    if runPlans {
        let shape = plan.shapes[plan.inputIndex]
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: max($1, 0)).overflow ? Int.max : $0 * max($1, 0) }
        if count <= 1 << 20 {
            _ = plan.run(Tensor(shape: shape, values: [Float](repeating: 0, count: count)), keeping: plan.outputIndices)
        }
    }
    return 0
}
