import Foundation

/// A tiny TensorFlow checkpoint written by `tf.compat.v1.train.Saver` (TF 2.21, graph mode),
/// saved with prefix "<folder>/" like musicnn's. Variables:
/// `dense/kernel` [2,3] = arange(6)*0.5-1, `dense/bias` [3] = [0.25,-2,3.5],
/// `dense/kernel/Adam` [2,3] = 0.125, `dense/kernel/Adam_1` [2,3] = 0.0625,
/// `beta1_power` = 0.9, `beta2_power` = 0.999, `global_step` int64 = 42,
/// `counts` int32 [4] = [1,2,3,4], `scale` float64 [2] = [1.5,-0.5], `scalar` = 7.
enum CheckpointFixture {
    static let index = Data(base64Encoded: [
        "AAAGCAEaAggBAAsLYmV0YTFfcG93ZXIIARIAKAQ1/evH3wQHDTJfcG93ZXIIARIAIAQoBDW77frZAAYRY291bnRzCAMSBBIC",
        "CAQgCCgQNcvQX7YAChFkZW5zZS9iaWFzCAESBBICCAMgGCgMNYylrrEGBhVrZXJuZWwIARIIEgIIAhICCAMgJCgYNbvJtOMM",
        "BRUvQWRhbQgBEggSAggCEgIIAyA8KBg18qFqgxECFV8xCAESCBICCAISAggDIFQoGDVJDfkrAAsNZ2xvYmFsX3N0ZXAICRIA",
        "IGwoCDWujZH1AAYNc2NhbGFyCAESACB0KAQ1X8+LtQQBEWUIAhIEEgIIAiB4KBA1lTp2FwAAAAABAAAAAO4rUt4AAAAAAQAA",
        "AADA8qGwAAEDdACUAgAAAAABAAAAAIqTHzuZAgimAg8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAV/uAiyR1",
        "R9s=",
    ].joined())!

    static let data = Data(base64Encoded: [
        "ZmZmP3e+fz8BAAAAAgAAAAMAAAAEAAAAAACAPgAAAMAAAGBAAACAvwAAAL8AAAAAAAAAPwAAgD8AAMA/AAAAPgAAAD4AAAA+",
        "AAAAPgAAAD4AAAA+AACAPQAAgD0AAIA9AACAPQAAgD0AAIA9KgAAAAAAAAAAAOBAAAAAAAAA+D8AAAAAAADgvw==",
    ].joined())!

    /// Writes the fixture as `<folder>/.index` and `<folder>/.data-00000-of-00001`.
    static func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try index.write(to: folder.appendingPathComponent(".index"))
        try data.write(to: folder.appendingPathComponent(".data-00000-of-00001"))
    }
}
