import Foundation

extension ModelStore {
    /// `<root>/yamnet/yamnet.tflite`, whether or not it exists.
    public var yamnetModelPath: String { directory(for: YAMNetModel.name) + "/" + YAMNetModel.modelFileName }
    /// `<root>/yamnet/yamnet_class_map.tsv`, whether or not it exists.
    public var yamnetClassMapPath: String { directory(for: YAMNetModel.name) + "/" + YAMNetModel.classMapFileName }

    /// True when the YAMNet model file is installed (its checksum is verified when it is loaded).
    public var isYAMNetInstalled: Bool { FileManager.default.fileExists(atPath: yamnetModelPath) }

    /// The installed YAMNet files; the class map is nil when absent.
    ///
    /// - Throws: ``ModelStoreError/yamnetMissing(directory:)`` saying how to install it.
    public func yamnetFiles() throws -> (model: String, classMap: String?) {
        guard isYAMNetInstalled else { throw ModelStoreError.yamnetMissing(directory: directory(for: YAMNetModel.name)) }
        return (yamnetModelPath, FileManager.default.fileExists(atPath: yamnetClassMapPath) ? yamnetClassMapPath : nil)
    }
}
