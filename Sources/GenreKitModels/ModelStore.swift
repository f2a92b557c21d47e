import Foundation

/// Why a model's weights could not be located.
public enum ModelStoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The model's folder is missing or holds no `*.index` checkpoint file.
    case modelMissing(name: String, directory: String)
    /// YAMNet's TensorFlow Lite file is not in the model cache.
    case yamnetMissing(directory: String)

    public var description: String {
        switch self {
        case .modelMissing(let name, let directory):
            var hint = "run scripts/setup.sh to download the pretrained weights"
            hint += " (or point GENREKIT_MODELS at a folder holding <model>/.index and <model>/.data-00000-of-00001)"
            if !ModelStore.knownModels.contains(name) {
                hint += "; known models: \(ModelStore.knownModels.joined(separator: ", "))"
            }
            return "model '\(name)' not found at \(directory); \(hint)"
        case .yamnetMissing(let directory):
            return "model 'yamnet' not found at \(directory)/yamnet.tflite; run scripts/setup.sh with ../shared/models present or GENREKIT_YAMNET=/path/to/yamnet.tflite (it checks the SHA-256), or copy yamnet.tflite and yamnet_class_map.tsv there"
        }
    }
}

/// Locates the cache of pretrained model checkpoints.
///
/// The root folder is `$GENREKIT_MODELS` when that is set and non-empty, else
/// `~/.cache/genrekit/models`. Each model lives in `<root>/<name>/`, holding a
/// TensorFlow checkpoint (for musicnn: `.index` and `.data-00000-of-00001`).
public struct ModelStore: Sendable, Equatable {
    /// The models `scripts/setup.sh` installs.
    public static let knownModels = ["MTT_musicnn", "MSD_musicnn", "MSD_musicnn_big", "MTT_vgg", "MSD_vgg"]

    /// The environment variable that overrides the cache location.
    public static let environmentVariable = "GENREKIT_MODELS"

    /// The folder holding one subfolder per model.
    public let root: String

    /// Uses `root` as the cache folder.
    public init(root: String) {
        self.root = root
    }

    /// Uses `$GENREKIT_MODELS` (a leading `~` is expanded), else `~/.cache/genrekit/models`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        if let custom = environment[Self.environmentVariable], !custom.isEmpty {
            if custom == "~" {
                root = home
            } else if custom.hasPrefix("~/") {
                root = home + custom.dropFirst(1)
            } else {
                root = custom
            }
        } else {
            root = home + "/.cache/genrekit/models"
        }
    }

    /// `<root>/<modelName>`, whether or not it exists.
    public func directory(for modelName: String) -> String {
        (root.hasSuffix("/") ? root : root + "/") + modelName
    }

    /// True when `<root>/<modelName>` holds a `*.index` file.
    public func isInstalled(_ modelName: String) -> Bool {
        let dir = directory(for: modelName)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.contains { $0.hasSuffix(".index") }
    }

    /// The folder of `modelName`'s checkpoint.
    ///
    /// - Throws: ``ModelStoreError/modelMissing(name:directory:)`` (telling the user to
    ///   run `scripts/setup.sh`) when the folder is absent or holds no `*.index` file.
    public func checkpointDirectory(for modelName: String) throws -> String {
        guard isInstalled(modelName) else {
            throw ModelStoreError.modelMissing(name: modelName, directory: directory(for: modelName))
        }
        return directory(for: modelName)
    }

    /// Opens `modelName`'s checkpoint.
    public func checkpoint(for modelName: String) throws -> Checkpoint {
        try Checkpoint(directory: checkpointDirectory(for: modelName))
    }
}
