import Foundation
import GenreKit

/// What `genrekit serve` was asked for: where to listen, which models to load, and the limits of the job queue.
public struct ServerConfiguration: Sendable {
    /// Address to bind; anything but loopback requires ``apiKey``.
    public var host = "127.0.0.1"
    /// Port to bind (0: any free port, reported by ``GenreKitServer/run(onListening:)``).
    public var port = 8080
    /// Folder whose `.gkmodel` files are served (by file name without the extension); nil: none.
    public var modelsDirectory: String?
    /// Pre-trained networks to load; nil: every one of ``ModelStore/knownModels`` that is installed.
    public var pretrained: [String]?
    /// Where the pre-trained weights are.
    public var store = ModelStore()
    /// Largest upload accepted, in bytes.
    public var maxUploadBytes = 200 * 1024 * 1024
    /// Jobs (decode + inference) run at once.
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    /// Jobs that may wait for a free worker before requests are refused with 503; nil: as many as ``jobs``.
    public var queueDepth: Int?
    /// Key that every `/v1/` request must carry (`Authorization: Bearer KEY` or `X-API-Key: KEY`); nil: none.
    public var apiKey: String?
    /// Seconds a job may take (waiting included) before the request is answered 504.
    public var timeoutSeconds: Double = 300
    /// Where uploads are spooled while they are analysed.
    public var temporaryDirectory = NSTemporaryDirectory()
    /// Seconds a client is told to wait (`Retry-After`) when the queue is full.
    public var retryAfterSeconds = 5

    public init() {}

    /// The environment variable that supplies ``apiKey`` when the option is absent.
    public static let apiKeyVariable = "GENREKIT_API_KEY"

    /// True for the addresses only this machine can reach.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Checks the settings before anything is loaded or bound.
    public func validate() throws(ServerConfigurationError) {
        if !(0...65535).contains(port) { throw .invalid("--port \(port) is not a TCP port; use 0–65535") }
        if jobs < 1 { throw .invalid("--jobs \(jobs): at least one job must run; use --jobs 1 or more") }
        if let d = queueDepth, d < 0 { throw .invalid("the queue depth cannot be negative") }
        if maxUploadBytes < 1 { throw .invalid("--max-upload-mb must be positive") }
        if !(timeoutSeconds > 0) { throw .invalid("--timeout must be a positive number of seconds") }
        if let k = apiKey, k.isEmpty { throw .invalid("the API key is empty; pass a non-empty --api-key or unset \(Self.apiKeyVariable)") }
        if !Self.isLoopback(host) && apiKey == nil { throw .apiKeyRequired(host: host) }
        if let dir = modelsDirectory {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw .invalid("--models \(dir) is not a folder; pass the folder that holds your .gkmodel files")
            }
        }
    }
}

/// Settings `genrekit serve` refuses.
public enum ServerConfigurationError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    case apiKeyRequired(host: String)
    case noModels

    public var description: String {
        switch self {
        case .invalid(let m): return m
        case .apiKeyRequired(let h):
            return "binding \(h) exposes the server beyond this machine; pass --api-key KEY (or set \(ServerConfiguration.apiKeyVariable)), or bind 127.0.0.1"
        case .noModels:
            return "no model to serve: install the pre-trained weights (scripts/setup.sh) or pass --models DIR with .gkmodel files"
        }
    }
}
